/**
 * What the API client needs from a way of reaching the core. Two implementations: Electron IPC
 * (desktop, through the preload's `window.octdino`) and a WebSocket (web mode). The client and
 * the views never know which one they have.
 */
import type { ApiEvent, DispatchResult, ImageVariant, PickPathRequest } from '../../../../src-main/api/types.js';

export type ConnectionStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface ConnectionState {
  status: ConnectionStatus;
  /** Failed connection attempts since the socket was last open (0 when open). */
  attempts: number;
  /** When the next reconnection attempt is due (epoch ms), while reconnecting. */
  retryAt: number | null;
}

export interface Transport {
  readonly kind: 'ipc' | 'websocket';
  /** Resolves with the core's `{ ok, ... }` result; rejects only when the call could not be delivered. */
  call(method: string, input: unknown): Promise<DispatchResult>;
  /** Subscribes to core events; returns the unsubscribe function. */
  onEvent(listener: (event: ApiEvent) => void): () => void;
  /** Subscribes to connection changes (called at once with the current state); returns the unsubscribe. */
  onConnection(listener: (state: ConnectionState) => void): () => void;
  imageUrl(id: number, variant: ImageVariant): string;
  /** The native open dialog, where there is one (desktop); absent in web mode. */
  readonly pickPath?: (request: PickPathRequest) => Promise<string | null>;
  close(): void;
}
