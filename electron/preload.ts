/**
 * The preload script: the only bridge between the sandboxed renderer and the core. It exposes
 * `window.octdino` (see src-main/api/bridge.ts) and nothing else: no Node, no ipcRenderer.
 * Sandboxed preloads can require only 'electron', so this file is bundled on its own and the
 * channel names are repeated here; their types tie them to the shared constants.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { ApiEvent, DispatchResult, OctdinoBridge } from '../src-main/api/types.js';
import type { IMAGE_PROTOCOL, IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, IPC_PICK_PATH_CHANNEL } from '../src-main/api/bridge.js';

const CALL_CHANNEL: typeof IPC_CALL_CHANNEL = 'octdino:call';
const EVENT_CHANNEL: typeof IPC_EVENT_CHANNEL = 'octdino:event';
const IMAGE_SCHEME: typeof IMAGE_PROTOCOL = 'octdino-image';
const PICK_PATH_CHANNEL: typeof IPC_PICK_PATH_CHANNEL = 'octdino:pick-path';

const bridge: OctdinoBridge = {
  transport: 'ipc',
  call: (method, input) => ipcRenderer.invoke(CALL_CHANNEL, method, input) as Promise<DispatchResult>,
  onEvent: (listener) => {
    const wrapped = (_event: IpcRendererEvent, payload: ApiEvent): void => listener(payload);
    ipcRenderer.on(EVENT_CHANNEL, wrapped);
    return () => ipcRenderer.removeListener(EVENT_CHANNEL, wrapped);
  },
  imageUrl: (id, variant) => `${IMAGE_SCHEME}://image/${Math.trunc(id)}/${variant}`,
  pickPath: (request) => ipcRenderer.invoke(PICK_PATH_CHANNEL, request) as Promise<string | null>,
};

contextBridge.exposeInMainWorld('octdino', bridge);
