/**
 * A test double standing in for the core behind a transport: each method answers from a table
 * the test fills in, and the test can push events. Used to test state classes without a server.
 */
import type { ApiEvent, DispatchResult, ImageVariant } from '../../../src-main/api/types.js';
import { ApiClient } from '../../../renderer/src/lib/api/api-client.js';
import type { ConnectionState, Transport } from '../../../renderer/src/lib/api/transport.js';

type Handler = (input: unknown) => DispatchResult | Promise<DispatchResult>;

export class FakeTransport implements Transport {
  readonly kind = 'websocket';
  readonly calls: { method: string; input: unknown }[] = [];
  readonly handlers = new Map<string, Handler>();
  private readonly listeners = new Set<(event: ApiEvent) => void>();

  answer(method: string, result: unknown): this {
    this.handlers.set(method, () => ({ ok: true, result }));
    return this;
  }

  fail(method: string, code: string, message: string): this {
    this.handlers.set(method, () => ({ ok: false, error: { code, message } }) as DispatchResult);
    return this;
  }

  async call(method: string, input: unknown): Promise<DispatchResult> {
    this.calls.push({ method, input });
    const handler = this.handlers.get(method);
    if (!handler) return { ok: false, error: { code: 'unknown_method', message: `no fake answer for ${method}` } };
    return handler(input);
  }

  emit(event: ApiEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  onEvent(listener: (event: ApiEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onConnection(listener: (state: ConnectionState) => void): () => void {
    listener({ status: 'open', attempts: 0, retryAt: null });
    return () => {};
  }

  imageUrl(id: number, variant: ImageVariant): string {
    return `/api/images/${id}/${variant}`;
  }

  close(): void {}
}

export function fakeClient(): { transport: FakeTransport; api: ApiClient } {
  const transport = new FakeTransport();
  return { transport, api: new ApiClient(transport) };
}
