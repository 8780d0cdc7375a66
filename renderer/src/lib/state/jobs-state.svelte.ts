/**
 * The open project's jobs by id: loaded with `jobs.list` when the project changes, then kept
 * live by `job.updated` events. Cancel and resume go through the one error path.
 */
import type { JobView } from '../../../../src-main/api/types.js';
import type { ApiClient } from '../api/api-client.js';
import type { ErrorsState } from './errors.svelte.js';

const RECENT_LIMIT = 20;

export class JobsState {
  // Replaced, never mutated: jobs update often and a whole-map swap is one cheap signal.
  #byId = $state.raw<ReadonlyMap<number, JobView>>(new Map());
  #list = $derived([...this.#byId.values()].sort((a, b) => b.id - a.id).slice(0, RECENT_LIMIT));
  /** Bumped on every reload so an answer for a previous project can not overwrite newer state. */
  #generation = 0;

  constructor(
    private readonly api: ApiClient,
    private readonly errors: ErrorsState,
  ) {}

  /** Newest first, at most the 20 most recent. */
  get list(): readonly JobView[] {
    return this.#list;
  }

  get(id: number): JobView | undefined {
    return this.#byId.get(id);
  }

  apply(job: JobView): void {
    const next = new Map(this.#byId);
    next.set(job.id, job);
    this.#byId = next;
  }

  clear(): void {
    this.#generation++;
    this.#byId = new Map();
  }

  async reload(): Promise<void> {
    const generation = ++this.#generation;
    try {
      const jobs = await this.api.call('jobs.list', { limit: RECENT_LIMIT });
      if (generation !== this.#generation) return;
      // Events that arrived while the list was on its way are newer than the list: keep them.
      const next = new Map(jobs.map((job) => [job.id, job] as const));
      for (const [id, job] of this.#byId) if (next.has(id) && job.updatedAt > next.get(id)!.updatedAt) next.set(id, job);
      this.#byId = next;
    } catch (err) {
      this.errors.handleError(err, 'Could not load the jobs');
    }
  }

  async cancel(id: number): Promise<void> {
    try {
      this.apply(await this.api.call('jobs.cancel', { id }));
    } catch (err) {
      this.errors.handleError(err, `Could not cancel job ${id}`);
    }
  }

  async resume(id: number): Promise<void> {
    try {
      this.apply(await this.api.call('jobs.resume', { id }));
    } catch (err) {
      this.errors.handleError(err, `Could not resume job ${id}`);
    }
  }
}
