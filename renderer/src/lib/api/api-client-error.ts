import type { ApiErrorCode } from '../../../../src-main/api/types.js';

/**
 * Codes the client adds to the core's: `disconnected` (the call never got an answer because the
 * connection dropped or could not be opened) and `transport` (the transport itself failed).
 */
export type ApiClientErrorCode = ApiErrorCode | 'disconnected' | 'transport';

/** The one error type API calls throw; `code` says what kind of failure, `message` is for people. */
export class ApiClientError extends Error {
  override readonly name = 'ApiClientError';
  constructor(
    readonly code: ApiClientErrorCode,
    message: string,
  ) {
    super(message);
  }
}
