import { EngineUnavailableError } from '../ml/engine/types.js';
import { InspectInputError } from '../ml/inspect/errors.js';
import { AnnotationError } from '../project/annotations.js';
import { ZodError } from 'zod';
import { JobRequestError } from '../jobs/job-runner.js';
import { ProjectError } from '../project/errors.js';
import { SplitError } from '../project/splits.js';

export type ApiErrorCode =
  | 'unknown_method'
  | 'invalid_input'
  | 'no_project'
  | 'not_found'
  | 'not_a_directory'
  | 'not_a_project'
  | 'already_a_project'
  | 'newer_schema'
  | 'corrupt_database'
  | 'job_refused'
  | 'engine_unavailable'
  | 'internal';

/** The only error shape that crosses a process boundary. */
export interface ApiErrorPayload {
  code: ApiErrorCode;
  message: string;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
  }

  toPayload(): ApiErrorPayload {
    return { code: this.code, message: this.message };
  }
}

function describeZodError(err: ZodError): string {
  return err.issues.map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`).join('; ');
}

/** Maps whatever a handler threw to a payload a user can read; internal errors keep no stack. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof ProjectError) return new ApiError(err.code, err.message);
  if (err instanceof JobRequestError) return new ApiError('job_refused', err.message);
  if (err instanceof SplitError) return new ApiError('invalid_input', err.message);
  if (err instanceof AnnotationError) return new ApiError('invalid_input', err.message);
  if (err instanceof InspectInputError) return new ApiError('invalid_input', err.message);
  if (err instanceof ZodError) return new ApiError('invalid_input', describeZodError(err));
  // The compute engine asked for (OCTDINO_BACKEND, --backend, OCTDINO_WASM_THREADS) cannot run
  // here: a setting to change, not a bug, and the message says which.
  if (err instanceof EngineUnavailableError) return new ApiError('engine_unavailable', err.message);
  const message = err instanceof Error ? err.message : String(err);
  return new ApiError('internal', `Internal error: ${message}`);
}
