/** Desktop transport: the Electron preload's `window.octdino` bridge (contextBridge + ipcRenderer). */
import type { ApiEvent, DispatchResult, ImageVariant, OctdinoBridge, PickPathRequest } from '../../../../src-main/api/types.js';
import type { ConnectionState, Transport } from './transport.js';

declare global {
  interface Window {
    /** Present only inside the Electron window (see electron/preload.ts). */
    octdino?: OctdinoBridge;
  }
}

// IPC to the main process can not drop the way a socket can: it is open for the window's life.
const OPEN: ConnectionState = { status: 'open', attempts: 0, retryAt: null };

export class IpcTransport implements Transport {
  readonly kind = 'ipc';

  constructor(private readonly bridge: OctdinoBridge) {}

  call(method: string, input: unknown): Promise<DispatchResult> {
    return this.bridge.call(method, input);
  }

  onEvent(listener: (event: ApiEvent) => void): () => void {
    return this.bridge.onEvent(listener);
  }

  onConnection(listener: (state: ConnectionState) => void): () => void {
    listener(OPEN);
    return () => {};
  }

  imageUrl(id: number, variant: ImageVariant): string {
    return this.bridge.imageUrl(id, variant);
  }

  readonly pickPath = (request: PickPathRequest): Promise<string | null> => this.bridge.pickPath(request);

  close(): void {}
}
