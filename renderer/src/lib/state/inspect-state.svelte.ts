/**
 * The Inspect view's state for the open project: the runs that can be inspected (pretraining
 * teachers and downstream classifiers, flattened out of pipelines and sweeps) and the four
 * tabs' states (attention, patch features, embedding map, training charts). Job events are handed on to the
 * tabs that follow jobs. One instance per API client (see `inspectStateFor`), so the tabs keep
 * what they showed when the user visits another view; dropped on a project switch.
 */
import type { JobView } from '../../../../src-main/api/types.js';
import type { ApiClient } from '../api/api-client.js';
import type { RunDetail } from '../results/results-view.js';
import type { ErrorsState } from './errors.svelte.js';
import { InspectAttentionState } from './inspect-attention.svelte.js';
import { InspectChartsState } from './inspect-charts.svelte.js';
import { InspectEmbeddingState } from './inspect-embedding.svelte.js';
import { InspectFeaturesState } from './inspect-features.svelte.js';

/** Run kinds with a backbone to look at. */
export const INSPECTABLE_KINDS = new Set(['pretrain', 'linear_probe', 'finetune', 'supervised', 'knn']);
/** Top-level runs whose children are looked up (newest first); older ones are rarely inspected. */
const MAX_TOP_LEVEL = 30;

export interface InspectRun {
  id: number;
  kind: string;
  name: string;
  status: string;
  arm: string | null;
  /** The pipeline or sweep it belongs to. */
  parentId: number | null;
  metricNames: string[];
  /** "run 7 · pretrain (pipeline 6)". */
  label: string;
}

export function inspectRuns(details: readonly RunDetail[]): InspectRun[] {
  const out: InspectRun[] = [];
  for (const d of details) {
    const stages = INSPECTABLE_KINDS.has(d.run.kind) ? [d.self] : d.children.filter((c) => INSPECTABLE_KINDS.has(c.kind));
    for (const c of stages) {
      const parentId = c.id === d.run.id ? null : d.run.id;
      const what = c.arm ?? c.kind;
      const budget = c.budget ? ` · ${c.budget.kind === 'fraction' ? `${Number((c.budget.value * 100).toFixed(2))} %` : `${c.budget.value} images`}` : '';
      out.push({
        id: c.id,
        kind: c.kind,
        name: c.name,
        status: c.status,
        arm: c.arm,
        parentId,
        metricNames: c.metricNames,
        label: `run ${c.id} · ${what}${budget}${parentId !== null ? ` (${d.run.kind} ${parentId})` : ''}${c.status !== 'completed' ? ` · ${c.status}` : ''}`,
      });
    }
  }
  return out.sort((a, b) => b.id - a.id);
}

export type InspectTab = 'attention' | 'features' | 'embedding' | 'charts';

export class InspectState {
  readonly attention: InspectAttentionState;
  readonly features: InspectFeaturesState;
  readonly embedding: InspectEmbeddingState;
  readonly charts: InspectChartsState;
  #runs = $state.raw<readonly InspectRun[]>([]);
  #loaded = $state(false);
  #active = false;
  #generation = 0;
  #project: string | null = null;

  constructor(
    private readonly api: ApiClient,
    private readonly errors: ErrorsState,
  ) {
    this.attention = new InspectAttentionState(api);
    this.features = new InspectFeaturesState(api);
    this.embedding = new InspectEmbeddingState(api, errors);
    this.charts = new InspectChartsState(api, errors, () => this.loadRuns());
  }

  get runs(): readonly InspectRun[] {
    return this.#runs;
  }
  get loaded(): boolean {
    return this.#loaded;
  }
  get pretrainRuns(): readonly InspectRun[] {
    return this.#runs.filter((r) => r.kind === 'pretrain');
  }

  /** Shown for project `dir`: loads once per project (a different project resets everything first). */
  activate(dir: string): void {
    if (this.#project !== dir) this.reset();
    this.#project = dir;
    if (this.#active) return;
    this.#active = true;
    void this.loadRuns();
    void this.embedding.loadLabelSets();
  }

  reset(): void {
    this.#generation++;
    this.#active = false;
    this.#loaded = false;
    this.#runs = [];
    this.attention.reset();
    this.features.reset();
    this.embedding.reset();
    this.charts.reset();
  }

  jobUpdated(job: JobView): void {
    if (!this.#active) return;
    this.embedding.jobUpdated(job);
    this.charts.jobUpdated(job);
  }

  async loadRuns(): Promise<void> {
    const generation = this.#generation;
    try {
      const top = (await this.api.call('runs.list', {})).slice(0, MAX_TOP_LEVEL);
      const details = await Promise.all(top.map((r) => this.api.call('runs.get', { id: r.id })));
      if (generation !== this.#generation) return;
      this.#runs = inspectRuns(details);
      this.#loaded = true;
      const teacher = this.pretrainRuns[0]?.id ?? null;
      // Sensible first choices: the newest teacher for attention and the map, the newest run for the charts.
      if (this.attention.runId === null && (teacher ?? this.#runs[0]?.id) !== undefined) void this.attention.chooseRun(teacher ?? this.#runs[0]!.id, this.#runs);
      if (this.features.runId === null && (teacher ?? this.#runs[0]?.id) !== undefined) void this.features.chooseRun(teacher ?? this.#runs[0]!.id);
      if (this.embedding.runId === null && teacher !== null) void this.embedding.chooseRun(teacher);
      this.charts.setRuns(this.#runs);
    } catch (err) {
      if (generation === this.#generation) this.errors.handleError(err, 'Could not load the runs');
    }
  }
}

const instances = new WeakMap<ApiClient, InspectState>();

/** The one Inspect state of an API client (the view is re-created on every visit; its state is not). */
export function inspectStateFor(api: ApiClient, errors: ErrorsState): InspectState {
  let state = instances.get(api);
  if (!state) {
    state = new InspectState(api, errors);
    instances.set(api, state);
  }
  return state;
}
