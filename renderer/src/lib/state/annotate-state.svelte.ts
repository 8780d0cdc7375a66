/**
 * The Annotate view's state for the open project: who labels (remembered in localStorage), which
 * label set, its queue, counts, resolution and agreement; the label-set editor's actions; the
 * "what to label next" job; and the labelling session once started. Dropped on a project switch.
 */
import type { JobView } from '../../../../src-main/api/types.js';
import type { ApiClient } from '../api/api-client.js';
import { fetchUnlabelled, firstOpen, queueOrder, type OrderItem } from '../annotate/order.js';
import type { AnnotationValue, Annotator, LabelAgreement, LabelSet, LabelSetKind, LabelSetStats, Queue, QueueStrategy, Resolution } from '../annotate/types.js';
import { AnnotateSession, type SessionOptions } from './annotate-session.svelte.js';
import type { ErrorsState } from './errors.svelte.js';
import { UndoStack } from './undo-stack.svelte.js';

export const ANNOTATOR_KEY = 'octdino.annotate.annotator';
export const LABEL_SET_KEY = 'octdino.annotate.labelSet';

export interface QueueRequest {
  strategy: QueueStrategy;
  budget: number;
  seed: number;
  onePerPatient: boolean;
  trainOnly: boolean;
}

export type LabelSetEdit = { id?: number; name: string; shortName?: string | null }[];

export class AnnotateState {
  readonly undo = new UndoStack();
  #labelSets = $state.raw<readonly LabelSet[]>([]);
  #annotators = $state.raw<readonly Annotator[]>([]);
  #annotator = $state.raw<Annotator | null>(null);
  #labelSetId = $state<number | null>(null);
  #queue = $state.raw<Queue | null>(null);
  #stats = $state.raw<LabelSetStats | null>(null);
  #resolution = $state.raw<Resolution | null>(null);
  #agreement = $state.raw<readonly LabelAgreement[] | null>(null);
  #session = $state.raw<AnnotateSession | null>(null);
  #queueJobId = $state<number | null>(null);
  #loaded = $state(false);
  #active = false;
  #generation = 0;

  constructor(
    private readonly api: ApiClient,
    private readonly errors: ErrorsState,
    private readonly storage: Pick<Storage, 'getItem' | 'setItem'> | null = typeof localStorage === 'undefined' ? null : localStorage,
    /** Options for new sessions (tests give a fake image loader). */
    private readonly sessionDefaults: Partial<SessionOptions> = {},
  ) {}

  get labelSets(): readonly LabelSet[] {
    return this.#labelSets;
  }
  get annotators(): readonly Annotator[] {
    return this.#annotators;
  }
  get annotator(): Annotator | null {
    return this.#annotator;
  }
  get labelSet(): LabelSet | null {
    return this.#labelSets.find((s) => s.id === this.#labelSetId) ?? null;
  }
  get queue(): Queue | null {
    return this.#queue;
  }
  get stats(): LabelSetStats | null {
    return this.#stats;
  }
  get resolution(): Resolution | null {
    return this.#resolution;
  }
  get agreement(): readonly LabelAgreement[] | null {
    return this.#agreement;
  }
  get session(): AnnotateSession | null {
    return this.#session;
  }
  get queueJobId(): number | null {
    return this.#queueJobId;
  }
  get loaded(): boolean {
    return this.#loaded;
  }
  /** The name last used on this computer (the start form's default). */
  get rememberedName(): string {
    return this.storage?.getItem(ANNOTATOR_KEY) ?? '';
  }

  async activate(): Promise<void> {
    if (this.#active) return;
    this.#active = true;
    await this.reloadLists();
    const remembered = Number(this.storage?.getItem(LABEL_SET_KEY));
    const set = this.#labelSets.find((s) => s.id === remembered) ?? this.#labelSets[0];
    if (set) await this.chooseLabelSet(set.id);
    this.#loaded = true;
  }

  reset(): void {
    this.#generation++;
    this.#active = false;
    this.#loaded = false;
    this.#session?.close();
    this.#session = null;
    this.#labelSets = [];
    this.#annotators = [];
    this.#annotator = null;
    this.#labelSetId = null;
    this.#queue = null;
    this.#stats = null;
    this.#resolution = null;
    this.#agreement = null;
    this.#queueJobId = null;
    this.undo.clear();
  }

  async chooseAnnotator(name: string): Promise<boolean> {
    return this.guard('Could not set the annotator', async () => {
      const annotator = await this.api.call('annotators.ensure', { name });
      this.#annotator = annotator;
      this.storage?.setItem(ANNOTATOR_KEY, annotator.name);
      if (!this.#annotators.some((a) => a.id === annotator.id)) this.#annotators = [...this.#annotators, annotator];
    });
  }

  async chooseLabelSet(id: number): Promise<void> {
    this.#labelSetId = id;
    this.storage?.setItem(LABEL_SET_KEY, String(id));
    this.#queue = null;
    this.#agreement = null;
    await this.refreshSet();
  }

  /** The set's queue, counts and resolution (after labelling, a queue job, an edit). */
  async refreshSet(): Promise<void> {
    const id = this.#labelSetId;
    if (id === null) return;
    const generation = this.#generation;
    await this.guard('Could not load the label set', async () => {
      const [queue, stats, resolution] = await Promise.all([this.api.call('annotations.queue', { labelSetId: id }), this.api.call('labels.stats', {}), this.api.call('annotations.resolution', { labelSetId: id })]);
      if (generation !== this.#generation || id !== this.#labelSetId) return;
      this.#queue = queue;
      this.#stats = stats.find((s) => s.id === id) ?? null;
      this.#resolution = resolution;
    });
  }

  async loadAgreement(): Promise<void> {
    const id = this.#labelSetId;
    if (id === null) return;
    await this.guard('Could not compute the agreement', async () => {
      const agreement = await this.api.call('annotations.agreement', { labelSetId: id });
      if (id === this.#labelSetId) this.#agreement = agreement;
    });
  }

  /** Starts labelling: the queue's order when there is one, else the unlabelled images. */
  async startLabelling(): Promise<void> {
    const set = this.labelSet;
    const annotator = this.#annotator;
    if (!set || !annotator) return;
    await this.guard('Could not start labelling', async () => {
      const firstLabel = set.labels[0]?.id;
      const more = firstLabel === undefined ? undefined : (seen: ReadonlySet<number>) => fetchUnlabelled(this.api, firstLabel, seen);
      const order = this.#queue ? queueOrder(this.#queue) : more ? await more(new Set()) : [];
      this.open({ annotator, labelSet: set, order, start: firstOpen(order), ...(this.#queue ? {} : more ? { more } : {}) });
    });
  }

  /** Opens images (the disagreements of the agreement view) for adjudication, at `start`. */
  startAdjudication(imageIds: readonly number[], start: number): void {
    const set = this.labelSet;
    const annotator = this.#annotator;
    if (!set || !annotator) return;
    const order: OrderItem[] = imageIds.map((imageId) => ({ imageId, rank: null, reason: 'annotators disagree', labelled: false }));
    this.open({ annotator, labelSet: set, order, start, adjudicate: true });
  }

  /** Ends the session (the time on the shown image is recorded) and refreshes the counts. */
  stopLabelling(): void {
    this.#session?.close();
    this.#session = null;
    void this.refreshSet();
  }

  /** Batch mode: one value of one label on many images, one undo step. */
  async applyToMany(imageIds: readonly number[], labelId: number, value: AnnotationValue | null): Promise<boolean> {
    const annotator = this.#annotator;
    if (!annotator || imageIds.length === 0) return false;
    const changes = this.api.call('annotations.setMany', { imageIds: [...imageIds], labelId, annotatorId: annotator.id, value });
    this.undo.push({ imageId: imageIds[0]!, changes, description: `${imageIds.length} images` });
    try {
      await changes;
      void this.refreshSet();
      return true;
    } catch (err) {
      this.undo.drop(changes);
      this.errors.handleError(err, `Could not label ${imageIds.length} images`);
      return false;
    }
  }

  /** Undo outside a session (the batch grid). */
  async undoLast(): Promise<void> {
    const entry = this.undo.pop();
    if (!entry) return;
    try {
      const changes = await entry.changes;
      if (changes.length > 0) await this.api.call('annotations.revert', { changes });
      void this.refreshSet();
    } catch (err) {
      this.errors.handleError(err, 'Could not undo the last change');
    }
  }

  async computeQueue(request: QueueRequest): Promise<void> {
    const id = this.#labelSetId;
    if (id === null) return;
    await this.guard('Could not start the queue job', async () => {
      const job = await this.api.call('jobs.start', { kind: 'annotate.queue', params: { labelSetId: id, ...request } });
      this.#queueJobId = job.id;
    });
  }

  /**
   * A queue job for this label set ended (this form's, or one started elsewhere: another window,
   * the CLI, before a reload): show its queue. A failure is shown by the panel from the job.
   */
  jobUpdated(job: JobView): void {
    if (!this.#active || !this.isQueueJob(job) || job.status !== 'completed') return;
    void this.refreshSet();
  }

  /** Whether `job` computes a queue for the chosen label set. */
  isQueueJob(job: JobView): boolean {
    if (job.kind !== 'annotate.queue') return false;
    const params = job.params as { labelSetId?: unknown } | null;
    return job.id === this.#queueJobId || (this.#labelSetId !== null && params?.labelSetId === this.#labelSetId);
  }

  // ---- label sets ----

  createLabelSet(name: string, kind: LabelSetKind, labels: readonly string[]): Promise<boolean> {
    return this.guard('Could not create the label set', async () => {
      const set = await this.api.call('labelSets.create', { name, kind, labels: [...labels] });
      await this.reloadLists();
      await this.chooseLabelSet(set.id);
    });
  }

  addOlivesPreset(): Promise<boolean> {
    return this.guard('Could not add the OLIVES preset', async () => {
      const set = await this.api.call('labelSets.addOlivesPreset', {});
      await this.reloadLists();
      await this.chooseLabelSet(set.id);
    });
  }

  updateLabelSet(id: number, name: string, labels: LabelSetEdit, removeAnnotated: boolean): Promise<boolean> {
    return this.guard('Could not save the label set', async () => {
      await this.api.call('labelSets.update', { id, name, labels, ...(removeAnnotated ? { removeAnnotated } : {}) });
      await this.reloadLists();
      await this.refreshSet();
    });
  }

  deleteLabelSet(id: number, removeAnnotated: boolean): Promise<boolean> {
    return this.guard('Could not delete the label set', async () => {
      await this.api.call('labelSets.delete', { id, ...(removeAnnotated ? { removeAnnotated } : {}) });
      await this.reloadLists();
      const next = this.#labelSets[0];
      if (next) await this.chooseLabelSet(next.id);
      else this.#labelSetId = null;
    });
  }

  private open(options: SessionOptions): void {
    this.#session?.close();
    const session = new AnnotateSession(this.api, this.errors, this.undo, { ...this.sessionDefaults, ...options });
    this.#session = session;
    void session.start();
  }

  private async reloadLists(): Promise<void> {
    const generation = this.#generation;
    await this.guard('Could not load the label sets', async () => {
      const [sets, annotators] = await Promise.all([this.api.call('labelSets.list', {}), this.api.call('annotators.list', {})]);
      if (generation !== this.#generation) return;
      this.#labelSets = sets;
      this.#annotators = annotators;
    });
  }

  private async guard(message: string, action: () => Promise<void>): Promise<boolean> {
    try {
      await action();
      return true;
    } catch (err) {
      this.errors.handleError(err, message);
      return false;
    }
  }
}
