import type { z } from 'zod';
import type { AppCore } from './core.js';

/** One API endpoint: the schema its input must pass, and the handler that gets the parsed input. */
export interface Endpoint<S extends z.ZodType, R> {
  readonly input: S;
  readonly handler: (core: AppCore, input: z.output<S>) => R | Promise<R>;
}

export function endpoint<S extends z.ZodType, R>(
  input: S,
  handler: (core: AppCore, input: z.output<S>) => R | Promise<R>,
): Endpoint<S, R> {
  return { input, handler };
}
