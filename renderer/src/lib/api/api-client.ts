/**
 * The renderer's single API client, generic over the core's contract: method names, inputs and
 * results are all derived from `src-main/api/contract.ts` (types only, never values).
 */
import type { ApiCallArgs, ApiEvent, ApiMethod, ApiResult, ImageVariant, PickPathRequest } from '../../../../src-main/api/types.js';
import { ApiClientError } from './api-client-error.js';
import type { ConnectionState, Transport } from './transport.js';

export class ApiClient {
  constructor(private readonly transport: Transport) {}

  get transportKind(): Transport['kind'] {
    return this.transport.kind;
  }

  /** Calls `method`; resolves with its result or throws an `ApiClientError` carrying the core's code. */
  async call<M extends ApiMethod>(method: M, ...args: ApiCallArgs<M>): Promise<ApiResult<M>> {
    let response;
    try {
      response = await this.transport.call(method, args[0] ?? {});
    } catch (err) {
      if (err instanceof ApiClientError) throw err;
      throw new ApiClientError('transport', `Could not reach the app core: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!response.ok) throw new ApiClientError(response.error.code, response.error.message);
    // The core's handler for `method` produced this value; the contract types say what it is.
    return response.result as ApiResult<M>;
  }

  onEvent(listener: (event: ApiEvent) => void): () => void {
    return this.transport.onEvent(listener);
  }

  onConnection(listener: (state: ConnectionState) => void): () => void {
    return this.transport.onConnection(listener);
  }

  /** A URL an <img> can load image `id` from (by id only: the client never names a path). */
  imageUrl(id: number, variant: ImageVariant): string {
    return this.transport.imageUrl(id, variant);
  }

  /** True in the desktop app, where a native dialog can pick files and folders. */
  get canPickPaths(): boolean {
    return this.transport.pickPath !== undefined;
  }

  /** The native open dialog (desktop only); null when cancelled or unavailable. */
  async pickPath(request: PickPathRequest): Promise<string | null> {
    return this.transport.pickPath ? this.transport.pickPath(request) : null;
  }

  close(): void {
    this.transport.close();
  }
}
