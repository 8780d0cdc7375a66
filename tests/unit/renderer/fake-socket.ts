/**
 * A test double standing in for the browser WebSocket (jsdom has no server to talk to): it
 * records what the transport sends and lets a test play the web host's side by hand.
 */
import type { SocketFactory, SocketHandlers } from '../../../renderer/src/lib/api/ws-transport.js';

export class FakeSocket {
  readonly sent: unknown[] = [];
  closed = false;

  constructor(
    readonly url: string,
    private readonly handlers: SocketHandlers,
  ) {}

  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }

  close(): void {
    this.closed = true;
  }

  /** The host accepted the connection. */
  acceptOpen(): void {
    this.handlers.onOpen();
  }

  /** The host sent a message (already an object; serialised here as on the wire). */
  receive(message: unknown): void {
    this.handlers.onMessage(JSON.stringify(message));
  }

  /** The host sent raw text (to check that garbage is ignored). */
  receiveRaw(text: string): void {
    this.handlers.onMessage(text);
  }

  /** The connection dropped (server stopped, network gone, or the upgrade was refused). */
  drop(): void {
    this.handlers.onClose();
  }
}

/** A socket factory that keeps every socket it made, newest last. */
export function fakeSocketFactory(): { factory: SocketFactory; sockets: FakeSocket[]; latest: () => FakeSocket } {
  const sockets: FakeSocket[] = [];
  const factory: SocketFactory = (url, handlers) => {
    const socket = new FakeSocket(url, handlers);
    sockets.push(socket);
    return socket;
  };
  return {
    factory,
    sockets,
    latest: () => {
      const socket = sockets.at(-1);
      if (!socket) throw new Error('no socket was created');
      return socket;
    },
  };
}
