import { api, type Api } from './contract.js';
import type { AppCore } from './core.js';
import { ApiError, toApiError, type ApiErrorPayload } from './errors.js';

export type DispatchResult = { ok: true; result: unknown } | { ok: false; error: ApiErrorPayload };

function isMethod(name: string): name is keyof Api {
  return Object.hasOwn(api, name);
}

/**
 * The one door into the core for every transport: looks the method up, validates the raw
 * input against its schema, runs the handler, and turns any failure into `{ code, message }`.
 * It never throws, so a bad call can not crash a transport.
 */
export async function dispatch(core: AppCore, method: string, rawInput: unknown): Promise<DispatchResult> {
  try {
    if (!isMethod(method)) throw new ApiError('unknown_method', `Unknown API method "${method}".`);
    const endpoint = api[method];
    const input = endpoint.input.parse(rawInput ?? {});
    // Each endpoint's handler accepts exactly its own schema's output; TypeScript cannot follow
    // that correlation through the union of methods, so the call goes through a widened type.
    const handler = endpoint.handler as (core: AppCore, input: unknown) => unknown;
    return { ok: true, result: await handler(core, input) };
  } catch (err) {
    const apiError = toApiError(err);
    if (apiError.code === 'internal') console.error(`[api] ${method} failed:`, err);
    return { ok: false, error: apiError.toPayload() };
  }
}
