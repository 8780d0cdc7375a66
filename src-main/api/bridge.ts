/**
 * What the Electron preload exposes to the renderer as `window.octdino` (contextBridge).
 * The renderer's IPC transport is written against this; the preload implements it with
 * `ipcRenderer.invoke('octdino:call', ...)` and the `octdino:event` channel.
 */
import type { ApiEvent } from './core.js';
import type { DispatchResult } from './dispatch.js';
import type { ImageVariant } from './image-delivery.js';

export interface OctdinoBridge {
  readonly transport: 'ipc';
  call(method: string, input: unknown): Promise<DispatchResult>;
  /** Subscribes to core events; returns the unsubscribe function. */
  onEvent(listener: (event: ApiEvent) => void): () => void;
  /** URL of image `id` (by id only) as a thumbnail, a displayable PNG or its raw samples. */
  imageUrl(id: number, variant: ImageVariant): string;
  /** The desktop's native open dialog; resolves to the chosen path, or null when cancelled. */
  pickPath(request: PickPathRequest): Promise<string | null>;
}

/** What the native open dialog is asked for (checked again in the main process). */
export interface PickPathRequest {
  kind: 'folder' | 'file';
  title: string;
  /** File-type filters, e.g. `{ name: 'Label tables', extensions: ['csv', 'xlsx'] }`. */
  filters?: { name: string; extensions: string[] }[];
}

/** IPC channel names shared by main and preload. */
export const IPC_CALL_CHANNEL = 'octdino:call';
export const IPC_EVENT_CHANNEL = 'octdino:event';
export const IPC_PICK_PATH_CHANNEL = 'octdino:pick-path';
export const IMAGE_PROTOCOL = 'octdino-image';
