/**
 * The Train view's state for the open project: the runs list, the selected run with its
 * stages, the arms' comparison and the label-efficiency curve, the predictions browser and the
 * pipeline form. Loaded when the view is first shown, refreshed while pipeline jobs report
 * progress (at most every couple of seconds) and when they end, dropped on a project switch.
 */
import type { JobView } from '../../../../src-main/api/types.js';
import type { ApiClient } from '../api/api-client.js';
import { curveNames, type Budget, type ChildRun, type Comparison, type EfficiencyCurve, type MetricSeries, type RunDetail, type RunListItem } from '../results/results-view.js';
import type { ErrorsState } from './errors.svelte.js';
import type { JobsState } from './jobs-state.svelte.js';
import { PipelineFormState } from './pipeline-form.svelte.js';
import { PredictionsState } from './predictions-state.svelte.js';

/** Job kinds whose progress changes the runs (the training side's jobs). */
const TRAINING_JOB_KINDS = new Set(['pipeline', 'pretrain', 'finetune', 'evaluate']);
const REFRESH_INTERVAL_MS = 2000;

export class TrainState {
  readonly form: PipelineFormState;
  readonly predictions: PredictionsState;
  #runs = $state.raw<readonly RunListItem[]>([]);
  #loaded = $state(false);
  #selectedId = $state<number | null>(null);
  #detail = $state.raw<RunDetail | null>(null);
  #comparison = $state.raw<Comparison | null>(null);
  #efficiency = $state.raw<EfficiencyCurve | null>(null);
  #arm = $state<string | null>(null);
  #curves = $state.raw<{ runId: number; title: string; series: readonly MetricSeries[] } | null>(null);
  #active = false;
  #epoch = $state(0);
  #generation = 0;
  #lastRefresh = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** The pipeline job whose run was shown once it got one (a started pipeline is shown once, not forced). */
  #followedJob: number | null = null;

  constructor(
    private readonly api: ApiClient,
    private readonly errors: ErrorsState,
    jobs: JobsState,
  ) {
    this.form = new PipelineFormState(api, errors, jobs);
    this.predictions = new PredictionsState(api, errors);
  }

  get runs(): readonly RunListItem[] {
    return this.#runs;
  }
  /** True once the first runs list arrived (so "no runs yet" is known, not assumed). */
  get loaded(): boolean {
    return this.#loaded;
  }
  get selectedId(): number | null {
    return this.#selectedId;
  }
  get detail(): RunDetail | null {
    return this.#detail;
  }
  get comparison(): Comparison | null {
    return this.#comparison;
  }
  get efficiency(): EfficiencyCurve | null {
    return this.#efficiency;
  }
  /** The arm whose predictions are browsed. */
  get arm(): string | null {
    return this.#arm;
  }
  /** The curves of one stage (its per-step or per-epoch metrics). */
  get curves(): { runId: number; title: string; series: readonly MetricSeries[] } | null {
    return this.#curves;
  }
  get epoch(): number {
    return this.#epoch;
  }

  activate(): void {
    if (this.#active) return;
    this.#active = true;
    void this.form.load();
    void this.loadLabelSets();
    void this.loadRuns();
  }

  reset(): void {
    this.#generation++;
    this.#epoch++;
    this.#active = false;
    this.#loaded = false;
    this.#runs = [];
    this.#selectedId = null;
    this.#detail = null;
    this.#comparison = null;
    this.#efficiency = null;
    this.#arm = null;
    this.#curves = null;
    this.predictions.clear();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** A job changed: training jobs refresh the runs, throttled while they run, at once when they end. */
  jobUpdated(job: JobView): void {
    if (!this.#active || !TRAINING_JOB_KINDS.has(job.kind)) return;
    // The pipeline this form just started: show its run as soon as it has one.
    if (job.id === this.form.jobId && job.runId !== null && this.#followedJob !== job.id) {
      this.#followedJob = job.id;
      if (this.#selectedId !== job.runId) void this.select(job.runId);
    }
    const ended = job.status !== 'running' && job.status !== 'queued';
    const wait = ended ? 0 : Math.max(0, this.#lastRefresh + REFRESH_INTERVAL_MS - Date.now());
    if (this.#timer && !ended) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.refresh();
    }, wait);
  }

  /** Reloads the list and the selected run (labels changed, a run finished). */
  async refresh(): Promise<void> {
    if (!this.#active) return;
    this.#lastRefresh = Date.now();
    await Promise.all([this.loadRuns(), this.#selectedId !== null ? this.loadSelected(this.#selectedId) : Promise.resolve()]);
  }

  async refreshLabelSets(): Promise<void> {
    if (this.#active) await this.loadLabelSets();
  }

  async select(id: number | null): Promise<void> {
    this.#selectedId = id;
    this.#detail = null;
    this.#comparison = null;
    this.#efficiency = null;
    this.#arm = null;
    this.#curves = null;
    this.predictions.clear();
    if (id !== null) await this.loadSelected(id);
  }

  /** Shows the curves of a stage (null hides them). */
  async showCurves(child: ChildRun | null): Promise<void> {
    if (!child) {
      this.#curves = null;
      return;
    }
    const generation = this.#generation;
    const title = child.arm ?? (child.name || child.kind);
    try {
      const series = await this.api.call('runs.metrics', { id: child.id, names: curveNames(child.kind, child.metricNames) });
      if (generation === this.#generation) this.#curves = { runId: child.id, title, series };
    } catch (err) {
      if (generation === this.#generation) this.errors.handleError(err, `Could not load the curves of run ${child.id}`);
    }
  }

  /** Another budget or seed of a sweep's comparison table. */
  async chooseTable(budget: Budget, seed: number): Promise<void> {
    const id = this.#selectedId;
    if (id === null) return;
    const generation = this.#generation;
    try {
      const comparison = await this.api.call('results.comparison', { runId: id, budget, seed });
      if (generation !== this.#generation || id !== this.#selectedId) return;
      this.#comparison = comparison;
      await this.chooseArm(this.#arm);
    } catch (err) {
      this.errors.handleError(err, 'Could not load the comparison');
    }
  }

  /** Browses the predictions of `arm` (the best-ranked arm with predictions when null or gone). */
  chooseArm(arm: string | null): Promise<void> {
    const arms = this.#comparison?.arms.filter((a) => a.evaluationId !== null) ?? [];
    const chosen = arms.find((a) => a.arm === arm) ?? arms[0] ?? null;
    this.#arm = chosen?.arm ?? null;
    return this.predictions.show(chosen?.evaluationId ?? null);
  }

  private async loadRuns(): Promise<void> {
    const generation = this.#generation;
    try {
      const runs = await this.api.call('runs.list', {});
      if (generation !== this.#generation) return;
      this.#runs = runs;
      this.#loaded = true;
      // The newest pipeline is what a user most likely wants to see first.
      if (this.#selectedId === null && runs.length > 0) void this.select(runs[0]!.id);
    } catch (err) {
      if (generation === this.#generation) this.errors.handleError(err, 'Could not load the runs');
    }
  }

  private async loadLabelSets(): Promise<void> {
    const generation = this.#generation;
    try {
      const sets = await this.api.call('labels.stats', {});
      if (generation === this.#generation) this.form.setLabelSets(sets);
    } catch (err) {
      if (generation === this.#generation) this.errors.handleError(err, 'Could not load the label sets');
    }
  }

  private async loadSelected(id: number): Promise<void> {
    const generation = this.#generation;
    const table = this.#comparison;
    try {
      const [detail, comparison, efficiency] = await Promise.all([
        this.api.call('runs.get', { id }),
        this.api.call('results.comparison', table?.runId === id && table.budget && table.seed !== null ? { runId: id, budget: table.budget, seed: table.seed } : { runId: id }),
        this.api.call('results.efficiency', { runId: id }),
      ]);
      if (generation !== this.#generation || id !== this.#selectedId) return;
      this.#detail = detail;
      this.#comparison = comparison;
      this.#efficiency = efficiency;
      const curves = this.#curves && detail.children.find((c) => c.id === this.#curves?.runId);
      if (curves) void this.showCurves(curves);
      await this.chooseArm(this.#arm);
    } catch (err) {
      if (generation === this.#generation && id === this.#selectedId) this.errors.handleError(err, `Could not load run ${id}`);
    }
  }
}
