/**
 * The Embedding tab's state: a run's 2-D map of image features (PCA or UMAP), computed by an
 * `inspect.embedding` job when it is not stored yet and followed through `job.updated` events;
 * what the points are coloured by (a label of a label set, patient, eye, visit or split); and
 * the points the user selected with a box, to send on for labelling.
 */
import type { ApiResult, JobView } from '../../../../src-main/api/types.js';
import type { ApiClient } from '../api/api-client.js';
import { colourPoints, type Colouring, type EmbeddingMap, type PointColours } from '../inspect/colouring.js';
import type { ErrorsState } from './errors.svelte.js';

export type EmbeddingMethod = 'pca' | 'umap';
export type LabelSet = ApiResult<'labelSets.list'>[number];
export type EmbeddingStatus = 'idle' | 'loading' | 'missing' | 'computing' | 'ready' | 'failed';

export class InspectEmbeddingState {
  #runId = $state<number | null>(null);
  #method = $state<EmbeddingMethod>('pca');
  #map = $state.raw<EmbeddingMap | null>(null);
  #status = $state<EmbeddingStatus>('idle');
  #job = $state.raw<JobView | null>(null);
  /** The run and method the job computes (another choice shows its own map, not this job). */
  #jobFor: { runId: number; method: EmbeddingMethod } | null = null;
  #failure = $state<string | null>(null);
  #labelSets = $state.raw<readonly LabelSet[]>([]);
  #labelSetId = $state<number | null>(null);
  #colouring = $state.raw<Colouring>({ kind: 'patient' });
  #colours = $derived(this.#map ? colourPoints(this.#map, this.#colouring) : null);
  #selected = $state.raw<Uint8Array>(new Uint8Array(0));
  #selectedCount = $state(0);
  #request = 0;

  constructor(
    private readonly api: ApiClient,
    private readonly errors: ErrorsState,
  ) {}

  get runId(): number | null {
    return this.#runId;
  }
  get method(): EmbeddingMethod {
    return this.#method;
  }
  get map(): EmbeddingMap | null {
    return this.#map;
  }
  get status(): EmbeddingStatus {
    return this.#status;
  }
  /** The job computing the map (while computing, and after it failed). */
  get job(): JobView | null {
    return this.#job;
  }
  get failure(): string | null {
    return this.#failure;
  }
  get labelSets(): readonly LabelSet[] {
    return this.#labelSets;
  }
  get labelSetId(): number | null {
    return this.#labelSetId;
  }
  get colouring(): Colouring {
    return this.#colouring;
  }
  get colours(): PointColours | null {
    return this.#colours;
  }
  /** 1 per selected point, in the map's order. */
  get selected(): Uint8Array {
    return this.#selected;
  }
  get selectedCount(): number {
    return this.#selectedCount;
  }

  reset(): void {
    this.#request++;
    this.#runId = null;
    this.#map = null;
    this.#status = 'idle';
    this.#job = null;
    this.#jobFor = null;
    this.#failure = null;
    this.#labelSets = [];
    this.#labelSetId = null;
    this.#colouring = { kind: 'patient' };
    this.clearSelection();
  }

  chooseRun(runId: number | null): Promise<void> {
    this.#runId = runId;
    return this.load();
  }

  chooseMethod(method: EmbeddingMethod): Promise<void> {
    this.#method = method;
    return this.load();
  }

  /** Colour by a label of the chosen set, or by a fact of the images. */
  colourBy(colouring: Colouring): void {
    this.#colouring = colouring;
  }

  /** Another label set: the map is read again with that set's labels (first label coloured). */
  async chooseLabelSet(id: number | null): Promise<void> {
    this.#labelSetId = id;
    await this.load(true);
    const first = this.#map?.labels[0];
    this.#colouring = first ? { kind: 'label', label: first.name } : this.#colouring.kind === 'label' ? { kind: 'patient' } : this.#colouring;
  }

  async loadLabelSets(): Promise<void> {
    try {
      this.#labelSets = await this.api.call('labelSets.list', {});
    } catch (err) {
      this.errors.handleError(err, 'Could not load the label sets');
    }
  }

  /** Reads the stored map (null: not computed yet). `keepSelection` when only the colouring columns change. */
  async load(keepSelection = false): Promise<void> {
    const runId = this.#runId;
    const request = ++this.#request;
    if (!keepSelection) this.clearSelection();
    if (runId === null) {
      this.#map = null;
      this.#status = 'idle';
      return;
    }
    if (!keepSelection) this.#status = 'loading';
    try {
      const map = await this.api.call('inspect.embeddingMap', { runId, method: this.#method, ...(this.#labelSetId !== null ? { labelSetId: this.#labelSetId } : {}) });
      if (request !== this.#request) return;
      this.#map = map;
      if (map && this.#selected.length !== map.imageIds.length) this.clearSelection(map.imageIds.length);
      this.#status = map ? 'ready' : this.computingCurrent() ? 'computing' : 'missing';
    } catch (err) {
      if (request !== this.#request) return;
      this.#status = 'failed';
      this.#failure = err instanceof Error ? err.message : String(err);
    }
  }

  /** Starts the job that computes the map; the view follows it by events. */
  async compute(): Promise<void> {
    const runId = this.#runId;
    if (runId === null) return;
    try {
      const job = await this.api.call('jobs.start', { kind: 'inspect.embedding', params: { runId, method: this.#method } });
      this.#job = job;
      this.#jobFor = { runId, method: this.#method };
      this.#failure = null;
      this.#status = 'computing';
      this.jobUpdated(job);
    } catch (err) {
      this.errors.handleError(err, 'Could not start computing the embedding map');
    }
  }

  /** Follows the map's job: progress while it runs, the map when it completes, the reason when it fails. */
  jobUpdated(job: JobView): void {
    if (job.kind !== 'inspect.embedding' || job.id !== this.#job?.id) return;
    this.#job = job;
    const current = this.#jobFor?.runId === this.#runId && this.#jobFor?.method === this.#method;
    if (job.status === 'completed') {
      this.#jobFor = null;
      if (current) void this.load();
      return;
    }
    if (!current) return;
    if (job.status === 'failed' || job.status === 'cancelled' || job.status === 'interrupted') {
      this.#jobFor = null;
      this.#status = 'failed';
      this.#failure = job.error?.message ?? `The job ${job.status === 'failed' ? 'failed' : `was ${job.status}`}.`;
    } else this.#status = 'computing';
  }

  /** True while the job for the shown run and method is queued or running. */
  private computingCurrent(): boolean {
    const job = this.#job;
    return this.#jobFor !== null && this.#jobFor.runId === this.#runId && this.#jobFor.method === this.#method && (job?.status === 'queued' || job?.status === 'running');
  }

  /** Replaces (or with `add`, extends) the selection with the given point indices. */
  select(indices: readonly number[], add = false): void {
    const n = this.#map?.imageIds.length ?? 0;
    const next = add && this.#selected.length === n ? this.#selected.slice() : new Uint8Array(n);
    for (const i of indices) if (i >= 0 && i < n) next[i] = 1;
    let count = 0;
    for (const v of next) count += v;
    this.#selected = next;
    this.#selectedCount = count;
  }

  clearSelection(n = this.#map?.imageIds.length ?? 0): void {
    this.#selected = new Uint8Array(n);
    this.#selectedCount = 0;
  }

  selectedImageIds(): number[] {
    const ids = this.#map?.imageIds ?? [];
    return ids.filter((_, i) => this.#selected[i] === 1);
  }
}
