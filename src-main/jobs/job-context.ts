import type { Project } from '../project/project.js';
import type { Progress } from './protocol.js';

/** What a job's code gets from the worker: its project, a cancel signal and a progress sink. */
export interface JobContext {
  readonly jobId: number;
  readonly project: Project;
  /** Aborted when the user cancels. Check it between units of work (`signal.throwIfAborted()`). */
  readonly signal: AbortSignal;
  /** Report progress; cheap to call often (the worker throttles what it sends). */
  progress(progress: Progress): void;
}

/** A job kind's implementation: validated params in, a JSON-serialisable result out. */
export type JobHandler<P, R> = (ctx: JobContext, params: P) => Promise<R>;
