/**
 * The Embedding tab's state: a run's 2-D map of image features (PCA or UMAP), computed by an
 * `inspect.embedding` job when it is not stored yet and followed through `job.updated` events;
 * what the points are coloured by (a label of a label set, patient, eye, visit or split); and
 * the points the user selected with a box, sent to the annotation queue of a label set
 * (`annotations.queueManual`: the Annotate view follows the newest queue of its set).
 */
import type { ApiResult, JobView } from '../../../../src-main/api/types.js';
import type { ApiClient } from '../api/api-client.js';
import { colourPoints, type Colouring, type EmbeddingMap, type PointColours } from '../inspect/colouring.js';
import type { ErrorsState } from './errors.svelte.js';

export type EmbeddingMethod = 'pca' | 'umap';
export type LabelSet = ApiResult<'labelSets.list'>[number];
export type EmbeddingStatus = 'idle' | 'loading' | 'missing' | 'computing' | 'ready' | 'failed';

/** What sending a selection to the annotation queue gave, for the selection it was about. */
export interface QueueOutcome {
  selected: Uint8Array;
  /** Set on success. */
  queue: { id: number; items: number; labelSet: string; labelSetId: number } | null;
  error: string | null;
}

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
  /** The colours of the last map and colouring asked for (see `colours`). */
  #coloured: { map: EmbeddingMap | null; colouring: Colouring; colours: PointColours | null } | null = null;
  #selected = $state.raw<Uint8Array>(new Uint8Array(0));
  #selectedCount = $state(0);
  #queueSetId = $state<number | null>(null);
  #queueOutcome = $state.raw<QueueOutcome | null>(null);
  #sending = $state(false);
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
  /**
   * Memoised by hand rather than a class `$derived`: read after the whole view was unmounted
   * (another page visited) and mounted again, that derived kept its old value in the e2e test
   * (svelte 5.57), so the legend and the plot showed the previous colouring. Reading the two
   * fields here still tracks them for whoever reads the colours.
   */
  get colours(): PointColours | null {
    const map = this.#map;
    const colouring = this.#colouring;
    const memo = this.#coloured;
    if (memo && memo.map === map && memo.colouring === colouring) return memo.colours;
    const colours = map ? colourPoints(map, colouring) : null;
    this.#coloured = { map, colouring, colours };
    return colours;
  }
  /** 1 per selected point, in the map's order. */
  get selected(): Uint8Array {
    return this.#selected;
  }
  get selectedCount(): number {
    return this.#selectedCount;
  }

  /** The label set a selection is queued for: the one chosen for it, else the colouring's, else the first. */
  get queueLabelSetId(): number | null {
    const known = (id: number | null) => id !== null && this.#labelSets.some((s) => s.id === id);
    return known(this.#queueSetId) ? this.#queueSetId : known(this.#labelSetId) ? this.#labelSetId : (this.#labelSets[0]?.id ?? null);
  }
  /** The outcome of the last send, while the selection it was about is still the selection. */
  get queueOutcome(): QueueOutcome | null {
    const o = this.#queueOutcome;
    return o && o.selected === this.#selected && this.#selectedCount > 0 ? o : null;
  }
  get sending(): boolean {
    return this.#sending;
  }

  chooseQueueLabelSet(id: number): void {
    this.#queueSetId = id;
  }

  /** Makes a queue of the selected images for the chosen label set (the newest queue is the one Annotate follows). */
  async sendToQueue(): Promise<void> {
    const labelSetId = this.queueLabelSetId;
    const imageIds = this.selectedImageIds();
    const selected = this.#selected;
    if (labelSetId === null || imageIds.length === 0 || this.#sending) return;
    const labelSet = this.#labelSets.find((s) => s.id === labelSetId)?.name ?? `label set ${labelSetId}`;
    const reason = `chosen on the ${this.#method.toUpperCase()} map of run ${this.#runId}`;
    this.#sending = true;
    try {
      const queue = await this.api.call('annotations.queueManual', { labelSetId, imageIds, reason });
      this.#queueOutcome = { selected, queue: { ...queue, labelSet, labelSetId }, error: null };
    } catch (err) {
      this.#queueOutcome = { selected, queue: null, error: err instanceof Error ? err.message : String(err) };
    } finally {
      this.#sending = false;
    }
  }

  reset(): void {
    this.#request++;
    this.#queueSetId = null;
    this.#queueOutcome = null;
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
