/**
 * Messages between the core (parent) and a job's worker process. Both directions are
 * discriminated unions with a sequence number, validated on receipt: a worker is a separate
 * program and anything it sends is checked before the core acts on it.
 */
import { z } from 'zod';

export const serializedErrorSchema = z.object({
  name: z.string(),
  message: z.string(),
  stack: z.string().optional(),
  /** Set for errors whose message is meant for the user (bad input), not a bug. */
  userFacing: z.boolean().optional(),
});
export type SerializedError = z.infer<typeof serializedErrorSchema>;

export const toWorkerSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('start'),
    seq: z.number().int(),
    jobId: z.number().int(),
    kind: z.string(),
    projectDir: z.string(),
    params: z.unknown(),
  }),
  z.object({ type: z.literal('cancel'), seq: z.number().int() }),
]);
export type ToWorker = z.infer<typeof toWorkerSchema>;

export const progressSchema = z.object({
  fraction: z.number().min(0).max(1),
  message: z.string().max(500),
  /** Seconds left, when the job knows better than elapsed/fraction (e.g. training steps). */
  etaSeconds: z.number().nonnegative().nullable().optional(),
  /** Live scalars to show beside the bar (current loss, images/s, ...). */
  metrics: z.record(z.string(), z.number()).optional(),
});
export type Progress = z.infer<typeof progressSchema>;

export const fromWorkerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), seq: z.number().int() }),
  z.object({ type: z.literal('progress'), seq: z.number().int(), progress: progressSchema }),
  z.object({ type: z.literal('done'), seq: z.number().int(), result: z.unknown() }),
  z.object({ type: z.literal('cancelled'), seq: z.number().int() }),
  z.object({ type: z.literal('error'), seq: z.number().int(), error: serializedErrorSchema }),
]);
export type FromWorker = z.infer<typeof fromWorkerSchema>;

/** Errors a job throws on purpose for bad input: shown to the user as they are. */
export class JobInputError extends Error {
  override readonly name = 'JobInputError';
}

export class JobCancelledError extends Error {
  override readonly name = 'JobCancelledError';
  constructor() {
    super('Cancelled');
  }
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) {
    return {
      name: err.name,
      message: err.message,
      ...(err.stack ? { stack: err.stack } : {}),
      userFacing: err instanceof JobInputError,
    };
  }
  return { name: 'Error', message: String(err) };
}
