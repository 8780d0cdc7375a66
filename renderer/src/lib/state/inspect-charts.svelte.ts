/**
 * The Charts tab's state: the runs whose training curves are shown (several overlay each other
 * for comparison) and their metric series (each ≤ 2000 points, thinned by the core). While a
 * training job runs the series are read again at most every couple of seconds, and once more
 * when it ends, so a live run's charts move without flooding the UI.
 */
import type { JobView } from '../../../../src-main/api/types.js';
import type { ApiClient } from '../api/api-client.js';
import { chartedNames } from '../inspect/training-charts.js';
import { isFinished, type MetricSeries } from '../results/results-view.js';
import type { ErrorsState } from './errors.svelte.js';
import type { InspectRun } from './inspect-state.svelte.js';

/** Job kinds that write training metrics. */
const TRAINING_JOB_KINDS = new Set(['pipeline', 'pretrain', 'finetune', 'evaluate', 'sweep']);
export const CHARTS_REFRESH_MS = 2000;
export const MAX_COMPARED_RUNS = 6;

export class InspectChartsState {
  #runs = $state.raw<readonly InspectRun[]>([]);
  #chosen = $state.raw<readonly number[]>([]);
  #series = $state.raw<ReadonlyMap<number, readonly MetricSeries[]>>(new Map());
  #updatedAt = $state<number | null>(null);
  #generation = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #lastRefresh = 0;

  constructor(
    private readonly api: ApiClient,
    private readonly errors: ErrorsState,
    /** Reloads the runs list (a run that finished, a new run appeared). */
    private readonly reloadRuns: () => Promise<void>,
    private readonly refreshMs = CHARTS_REFRESH_MS,
  ) {}

  get chosen(): readonly number[] {
    return this.#chosen;
  }
  get series(): ReadonlyMap<number, readonly MetricSeries[]> {
    return this.#series;
  }
  /** When the series were last read (Date.now()). */
  get updatedAt(): number | null {
    return this.#updatedAt;
  }
  /** The chosen runs, in the order chosen (the order of their colours). */
  get chosenRuns(): InspectRun[] {
    return this.#chosen.map((id) => this.#runs.find((r) => r.id === id)).filter((r): r is InspectRun => r !== undefined);
  }
  /** True while one of the chosen runs is still training. */
  get live(): boolean {
    return this.chosenRuns.some((r) => !isFinished(r.status));
  }

  reset(): void {
    this.#generation++;
    this.#runs = [];
    this.#chosen = [];
    this.#series = new Map();
    this.#updatedAt = null;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** The runs list changed: the first run is chosen when none is; runs gone are dropped. */
  setRuns(runs: readonly InspectRun[]): void {
    // A run that was live and has just ended is read once more: its last steps came after the last refresh.
    const wasLive = this.live;
    this.#runs = runs;
    const kept = this.#chosen.filter((id) => runs.some((r) => r.id === id));
    const next = kept.length > 0 ? kept : runs[0] ? [runs[0].id] : [];
    const changed = next.join() !== this.#chosen.join();
    this.#chosen = next;
    if (changed || wasLive || this.live) void this.load();
  }

  /** Shows only `runId`. */
  choose(runId: number): Promise<void> {
    this.#chosen = [runId];
    return this.load();
  }

  /** Adds or removes `runId` from the comparison (at least one run stays). */
  toggle(runId: number): Promise<void> {
    if (this.#chosen.includes(runId)) {
      if (this.#chosen.length > 1) this.#chosen = this.#chosen.filter((id) => id !== runId);
    } else if (this.#chosen.length < MAX_COMPARED_RUNS) this.#chosen = [...this.#chosen, runId];
    return this.load();
  }

  /**
   * A training job moved: read the chosen live runs' series again after at most `refreshMs`; the
   * runs list (statuses, new runs and stages) at once when a job ended, and throttled when a job
   * trains a run the list does not know yet.
   */
  jobUpdated(job: JobView): void {
    if (!TRAINING_JOB_KINDS.has(job.kind)) return;
    const ended = job.status !== 'running' && job.status !== 'queued';
    const unknown = job.runId !== null && !this.#runs.some((r) => r.id === job.runId || r.parentId === job.runId);
    if (!ended && !unknown && !this.live) return;
    if (this.#timer && !ended) return;
    if (this.#timer) clearTimeout(this.#timer);
    const wait = ended ? 0 : Math.max(0, this.#lastRefresh + this.refreshMs - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#lastRefresh = Date.now();
      // The runs list hands the runs back through setRuns, which reads the live series again.
      void (ended || unknown ? this.reloadRuns() : this.load());
    }, wait);
  }

  async load(): Promise<void> {
    // A newer read wins (an older one still in flight would put back the series of before the run ended).
    const generation = ++this.#generation;
    const runs = this.chosenRuns;
    this.#lastRefresh = Date.now();
    try {
      const all = await Promise.all(
        runs.map(async (run) => {
          // A live run may have recorded new metric names since the list was read: ask for all of them then.
          const names = isFinished(run.status) ? chartedNames(run.metricNames) : undefined;
          const series = names && names.length === 0 ? [] : await this.api.call('runs.metrics', names ? { id: run.id, names } : { id: run.id });
          return [run.id, series] as const;
        }),
      );
      if (generation !== this.#generation) return;
      this.#series = new Map(all);
      this.#updatedAt = Date.now();
    } catch (err) {
      if (generation === this.#generation) this.errors.handleError(err, 'Could not load the training curves');
    }
  }
}
