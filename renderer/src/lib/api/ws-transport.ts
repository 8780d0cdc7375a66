/**
 * Web-mode transport: one WebSocket to the web host (`/api/ws`), authenticated by the session
 * cookie the host set when the page was opened with `?token=`. Requests are `{ id, method, input }`,
 * answers `{ id, ok, result | error }`, and pushed events `{ event }` (src-main/api/web-host.ts).
 *
 * A dropped socket rejects the calls already sent (we can not know whether the core ran them, so
 * they are never replayed) and reconnects with exponential backoff. Calls made while not
 * connected wait for the socket up to `connectWaitMs`, then fail with a clear error.
 */
import type { ApiEvent, DispatchResult, ImageVariant } from '../../../../src-main/api/types.js';
import { ApiClientError } from './api-client-error.js';
import type { ConnectionState, Transport } from './transport.js';

/** The socket as this transport uses it; the real one is a browser WebSocket, tests pass a double. */
export interface SocketHandle {
  send(data: string): void;
  close(): void;
}
export interface SocketHandlers {
  onOpen(): void;
  onMessage(data: unknown): void;
  onClose(): void;
}
export type SocketFactory = (url: string, handlers: SocketHandlers) => SocketHandle;

export interface WsTransportOptions {
  /** ws:// or wss:// URL of the host's socket endpoint. */
  url: string;
  /** Prefix for image URLs, e.g. `/api/images/`. */
  imageBase: string;
  createSocket?: SocketFactory;
  /** First reconnection delay; doubles per failed attempt up to `maxBackoffMs`. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  connectWaitMs?: number;
}

interface Waiting {
  message: string;
  resolve: (result: DispatchResult) => void;
  reject: (err: Error) => void;
  method: string;
}

export const browserSocket: SocketFactory = (url, handlers) => {
  const ws = new WebSocket(url);
  ws.onopen = () => handlers.onOpen();
  ws.onmessage = (event) => handlers.onMessage(event.data);
  // A refused or failed socket fires `error` and then `close`: `close` alone drives reconnection.
  ws.onclose = () => handlers.onClose();
  return { send: (data) => ws.send(data), close: () => ws.close() };
};

export class WsTransport implements Transport {
  readonly kind = 'websocket';
  private socket: SocketHandle | null = null;
  private open = false;
  private stopped = false;
  private nextId = 1;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private state: ConnectionState = { status: 'connecting', attempts: 0, retryAt: null };
  private readonly sent = new Map<number, Waiting>();
  private readonly queued = new Map<number, Waiting & { timer: ReturnType<typeof setTimeout> }>();
  private readonly eventListeners = new Set<(event: ApiEvent) => void>();
  private readonly connectionListeners = new Set<(state: ConnectionState) => void>();
  private readonly createSocket: SocketFactory;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly connectWaitMs: number;

  constructor(private readonly options: WsTransportOptions) {
    this.createSocket = options.createSocket ?? browserSocket;
    this.initialBackoffMs = options.initialBackoffMs ?? 500;
    this.maxBackoffMs = options.maxBackoffMs ?? 10_000;
    this.connectWaitMs = options.connectWaitMs ?? 15_000;
    this.connect();
  }

  call(method: string, input: unknown): Promise<DispatchResult> {
    if (this.stopped) return Promise.reject(new ApiClientError('disconnected', 'The connection to the app core was closed.'));
    const id = this.nextId++;
    const message = JSON.stringify({ id, method, input });
    return new Promise<DispatchResult>((resolve, reject) => {
      const waiting = { message, resolve, reject, method };
      if (this.open && this.socket) {
        this.sent.set(id, waiting);
        this.socket.send(message);
        return;
      }
      const timer = setTimeout(() => {
        this.queued.delete(id);
        reject(
          new ApiClientError(
            'disconnected',
            `Could not reach the app core within ${Math.round(this.connectWaitMs / 1000)} s to run "${method}". Is \`octdino serve\` still running?`,
          ),
        );
      }, this.connectWaitMs);
      this.queued.set(id, { ...waiting, timer });
    });
  }

  onEvent(listener: (event: ApiEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onConnection(listener: (state: ConnectionState) => void): () => void {
    this.connectionListeners.add(listener);
    listener(this.state);
    return () => this.connectionListeners.delete(listener);
  }

  imageUrl(id: number, variant: ImageVariant): string {
    return `${this.options.imageBase}${id}/${variant}`;
  }

  close(): void {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.socket?.close();
    this.dropSocket('was closed');
    for (const [id, waiting] of this.queued) {
      clearTimeout(waiting.timer);
      waiting.reject(new ApiClientError('disconnected', 'The connection to the app core was closed.'));
      this.queued.delete(id);
    }
    this.setState({ status: 'closed', attempts: 0, retryAt: null });
  }

  private connect(): void {
    this.reconnectTimer = null;
    const socket = this.createSocket(this.options.url, {
      // Handlers check identity so a late callback from a replaced socket is ignored.
      onOpen: () => socket === this.socket && this.handleOpen(),
      onMessage: (data) => socket === this.socket && this.handleMessage(data),
      onClose: () => socket === this.socket && this.handleClose(),
    });
    this.socket = socket;
  }

  private handleOpen(): void {
    this.open = true;
    this.setState({ status: 'open', attempts: 0, retryAt: null });
    for (const [id, waiting] of this.queued) {
      clearTimeout(waiting.timer);
      this.queued.delete(id);
      this.sent.set(id, waiting);
      this.socket?.send(waiting.message);
    }
  }

  private handleMessage(data: unknown): void {
    let message: unknown;
    try {
      message = JSON.parse(String(data));
    } catch {
      return; // not ours to act on; the host only sends JSON
    }
    if (typeof message !== 'object' || message === null) return;
    if ('event' in message) {
      for (const listener of this.eventListeners) listener(message.event as ApiEvent);
      return;
    }
    if ('id' in message && typeof message.id === 'number') {
      const waiting = this.sent.get(message.id);
      if (!waiting) return;
      this.sent.delete(message.id);
      // The host answers with dispatch()'s result plus the id: exactly a DispatchResult.
      waiting.resolve(message as unknown as DispatchResult);
    }
  }

  private handleClose(): void {
    this.socket = null;
    this.dropSocket('dropped');
    if (this.stopped) return;
    const attempts = this.state.attempts + 1;
    const delay = Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** (attempts - 1));
    this.setState({ status: 'reconnecting', attempts, retryAt: Date.now() + delay });
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  /** Rejects every call that was sent on the socket that is gone. */
  private dropSocket(how: 'dropped' | 'was closed'): void {
    this.open = false;
    this.socket = null;
    const after = how === 'dropped' ? ' It reconnects by itself; try again in a moment.' : '';
    for (const [id, waiting] of this.sent) {
      this.sent.delete(id);
      waiting.reject(new ApiClientError('disconnected', `The connection to the app core ${how} before "${waiting.method}" answered.${after}`));
    }
  }

  private setState(state: ConnectionState): void {
    this.state = state;
    for (const listener of this.connectionListeners) listener(state);
  }
}
