import { describe, expect, it } from 'vitest';
import { toApiError } from '../../../src-main/api/errors.js';
import { EngineUnavailableError } from '../../../src-main/ml/engine/types.js';

describe('toApiError', () => {
  it('passes an engine that cannot run through as a setting to change, not an internal error', () => {
    const err = toApiError(new EngineUnavailableError('OCTDINO_BACKEND=webgpu, but webgpu cannot run here: no GPU adapter', 'FORCED_UNAVAILABLE'));
    expect(err.toPayload()).toEqual({ code: 'engine_unavailable', message: 'OCTDINO_BACKEND=webgpu, but webgpu cannot run here: no GPU adapter' });
  });

  it('keeps the message of anything unexpected, marked internal', () => {
    expect(toApiError(new TypeError('x is undefined')).toPayload()).toEqual({ code: 'internal', message: 'Internal error: x is undefined' });
  });
});
