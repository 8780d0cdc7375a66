/**
 * One labelling session: an annotator, a label set and an order of images. Every key writes at
 * once (`annotations.set`), shown before the core answers and rolled back with a banner if it
 * refuses; every write set goes on the undo stack. The next images (pixels, detail and labels)
 * are fetched ahead so moving on shows the next B-scan without waiting, and the time each image
 * was on screen is recorded when the annotator leaves it.
 */
import type { ImageDetail } from '../../../../src-main/api/types.js';
import type { ApiClient } from '../api/api-client.js';
import { applyWrites, writesFor, type Command, type Write } from '../annotate/keys.js';
import type { OrderItem } from '../annotate/order.js';
import type { AnnotationValue, Annotator, ImageLabel, LabelSet } from '../annotate/types.js';
import { loadPixels, type PixelImage } from '../imaging/pixels.js';
import type { ErrorsState } from './errors.svelte.js';
import type { UndoStack } from './undo-stack.svelte.js';
import { ViewerState } from './viewer-state.svelte.js';

export interface LoadedImage {
  detail: ImageDetail;
  pixels: PixelImage;
}

export interface SessionOptions {
  annotator: Annotator;
  labelSet: LabelSet;
  order: OrderItem[];
  start?: number;
  /** Adjudication: labels are written as the annotator's adjudication (the value training uses). */
  adjudicate?: boolean;
  /** More images when the end of the order is reached (unlabelled images, page by page). */
  more?: (seen: ReadonlySet<number>) => Promise<OrderItem[]>;
  /** How an image is loaded (tests give a fake; the app reads the detail and the raw pixels). */
  loadImage?: (id: number) => Promise<LoadedImage>;
  now?: () => number;
}

/** How many images ahead are fetched. */
export const PREFETCH_AHEAD = 2;
const KEEP_BEHIND = 3;
/** Longer on one image is counted as this: the screen was left alone, not read. */
const MAX_SECONDS_PER_VISIT = 600;

export class AnnotateSession {
  readonly viewer: ViewerState;
  readonly annotator: Annotator;
  readonly labelSet: LabelSet;
  readonly adjudicate: boolean;
  #order = $state.raw<readonly OrderItem[]>([]);
  #index = $state(0);
  /** Labels and this session's values per image (cached around the current one). */
  #images = $state.raw<ReadonlyMap<number, { labels: readonly ImageLabel[]; values: ReadonlyMap<number, AnnotationValue | null> }>>(new Map());
  #selected = $state<number | null>(null);
  #context = $state(0);
  #pending = $state(0);
  #saves = $state(0);
  #lastSaveMs = $state<number | null>(null);
  #lastShowMs = $state<number | null>(null);
  #finished = $state(false);
  #skipped = $state.raw<ReadonlySet<number>>(new Set());
  #loads = new Map<number, Promise<LoadedImage>>();
  #loaded = new Map<number, LoadedImage>();
  #labelLoads = new Map<number, Promise<void>>();
  #writeSeq = new Map<number, number>();
  #shownAt: number | null = null;
  #closed = false;
  #more: SessionOptions['more'];
  #loadImage: (id: number) => Promise<LoadedImage>;
  #now: () => number;

  constructor(
    private readonly api: ApiClient,
    private readonly errors: ErrorsState,
    private readonly undo: UndoStack,
    options: SessionOptions,
  ) {
    this.viewer = new ViewerState(api, errors);
    this.annotator = options.annotator;
    this.labelSet = options.labelSet;
    this.adjudicate = options.adjudicate ?? false;
    this.#order = options.order;
    this.#index = Math.max(0, Math.min(options.start ?? 0, options.order.length - 1));
    this.#more = options.more;
    this.#now = options.now ?? (() => performance.now());
    this.#loadImage =
      options.loadImage ??
      (async (id) => {
        const [detail, pixels] = await Promise.all([api.call('images.get', { id }), loadPixels(api.imageUrl(id, 'pixels'))]);
        return { detail, pixels };
      });
  }

  get order(): readonly OrderItem[] {
    return this.#order;
  }
  get index(): number {
    return this.#index;
  }
  get item(): OrderItem | null {
    return this.#order[this.#index] ?? null;
  }
  get imageId(): number | null {
    return this.item?.imageId ?? null;
  }
  /** The labels of the current image with this session's value of each; null while loading. */
  get labels(): { label: ImageLabel; value: AnnotationValue | null }[] | null {
    const id = this.imageId;
    const entry = id === null ? undefined : this.#images.get(id);
    return entry ? entry.labels.map((label) => ({ label, value: entry.values.get(label.labelId) ?? null })) : null;
  }
  get selected(): number | null {
    return this.#selected;
  }
  /** Slices away from the labelled one that the viewer shows for context (0 = the labelled slice). */
  get context(): number {
    return this.#context;
  }
  /** Writes not answered yet. */
  get pending(): number {
    return this.#pending;
  }
  /** Writes answered so far (the screen's "saved" counter). */
  get saves(): number {
    return this.#saves;
  }
  /** Key press → the core's answer, of the last write (ms). */
  get lastSaveMs(): number | null {
    return this.#lastSaveMs;
  }
  /** Key press → the image shown, of the last move (ms; near 0 when it was prefetched). */
  get lastShowMs(): number | null {
    return this.#lastShowMs;
  }
  /** True past the last image of the order. */
  get finished(): boolean {
    return this.#finished;
  }
  get skipped(): ReadonlySet<number> {
    return this.#skipped;
  }
  /** Whether image `id` is fetched already (tests and the prefetch indicator). */
  isPrefetched(id: number): boolean {
    return this.#loaded.has(id) && this.#images.has(id);
  }

  /** Shows the first image and starts fetching the next ones. */
  start(): Promise<void> {
    return this.go(this.#index);
  }

  async command(command: Command): Promise<void> {
    switch (command.type) {
      case 'next':
        return this.go(this.#index + 1);
      case 'skip':
        if (this.imageId !== null) this.#skipped = new Set(this.#skipped).add(this.imageId);
        return this.go(this.#index + 1);
      case 'prev':
        return this.#index > 0 ? this.go(this.#index - 1) : undefined;
      case 'undo':
        return this.undoLast();
      case 'select': {
        const n = this.labelSet.labels.length;
        if (n > 0) this.#selected = this.#selected === null ? (command.delta > 0 ? 0 : n - 1) : (this.#selected + command.delta + n) % n;
        return;
      }
      case 'slice':
        return this.showContext(this.#context + command.delta);
      case 'zoom':
        return this.viewer.zoom(command.factor);
      case 'fit':
        return this.viewer.fit();
      default: {
        const labels = this.labels;
        const id = this.imageId;
        if (!labels || id === null || this.#finished) return;
        if (command.type === 'toggle' && command.index < labels.length) this.#selected = command.index;
        const writes = writesFor(command, this.labelSet.kind, labels.map((l) => ({ labelId: l.label.labelId, value: l.value })), this.#selected);
        return this.write(id, writes);
      }
    }
  }

  /** Moves to `index` in the order (past the end: fetches more, or finishes). */
  async go(index: number): Promise<void> {
    const t0 = this.#now();
    if (index >= this.#order.length && this.#more) {
      const more = await this.#more(new Set(this.#order.map((o) => o.imageId)));
      if (more.length > 0) this.#order = [...this.#order, ...more];
    }
    this.leave();
    if (index >= this.#order.length) {
      this.#index = this.#order.length;
      this.#finished = true;
      return;
    }
    this.#finished = false;
    this.#index = index;
    this.#context = 0;
    const id = this.#order[index]!.imageId;
    this.prefetch();
    const ready = this.#loaded.get(id);
    if (ready) this.viewer.show(ready.detail, ready.pixels);
    else this.viewer.await();
    try {
      await Promise.all([ready ?? this.load(id).then((image) => this.imageId === id && this.#context === 0 && this.viewer.show(image.detail, image.pixels)), this.loadLabels(id)]);
      if (this.imageId !== id) return;
      this.#shownAt = this.#now();
      this.#lastShowMs = this.#shownAt - t0;
    } catch (err) {
      if (this.imageId === id) this.viewer.fail(id, err);
    }
  }

  /** Restarts the clock of the shown image (the screen is visible again). */
  resume(): void {
    if (this.#shownAt === null && this.imageId !== null && !this.#finished && this.#images.has(this.imageId)) this.#shownAt = this.#now();
  }

  /** Records the time on screen of the image being left (or of a screen hidden). */
  leave(): void {
    const id = this.imageId;
    if (this.#shownAt === null || id === null) return;
    const seconds = Math.min(MAX_SECONDS_PER_VISIT, (this.#now() - this.#shownAt) / 1000);
    this.#shownAt = null;
    if (seconds < 0.05) return;
    this.api.call('annotations.addTime', { imageId: id, annotatorId: this.annotator.id, labelSetId: this.labelSet.id, seconds: Math.round(seconds * 1000) / 1000 }).catch((err: unknown) => {
      this.errors.handleError(err, `Could not record the time spent on image ${id}`);
    });
  }

  close(): void {
    this.leave();
    this.#closed = true;
    this.viewer.close();
  }

  /** Writes at once, shows the result before the answer, rolls back on failure. */
  private async write(imageId: number, writes: readonly Write[]): Promise<void> {
    if (writes.length === 0) return;
    const t0 = this.#now();
    const entry = this.#images.get(imageId);
    if (!entry) return;
    const before = entry.values;
    const labelValues = entry.labels.map((l) => ({ labelId: l.labelId, value: before.get(l.labelId) ?? null }));
    this.setValues(imageId, applyWrites(this.labelSet.kind, labelValues, writes));
    const seq = (this.#writeSeq.get(imageId) ?? 0) + 1;
    this.#writeSeq.set(imageId, seq);
    this.#pending++;
    const calls = writes.map((w) =>
      this.api.call('annotations.set', { imageId, labelId: w.labelId, annotatorId: this.annotator.id, value: w.value, ...(this.adjudicate ? { adjudicate: true } : {}) }),
    );
    const done = Promise.allSettled(calls).then(async (results) => {
      const changes = results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (!failed) return changes;
      // All or nothing: what did get written is written back, and the screen shows the old values.
      if (changes.length > 0) await this.api.call('annotations.revert', { changes }).catch(() => undefined);
      if (this.#writeSeq.get(imageId) === seq) this.setValues(imageId, before);
      this.errors.handleError(failed.reason, `Could not save the label of image ${imageId}; it was rolled back`);
      throw failed.reason;
    });
    this.undo.push({ imageId, changes: done });
    try {
      await done;
      this.#saves++;
      this.#lastSaveMs = this.#now() - t0;
    } catch {
      this.undo.drop(done);
    } finally {
      this.#pending--;
    }
    // The effective value and the others' labels as the core now has them (unless newer writes are on the way).
    if (this.#writeSeq.get(imageId) === seq) void this.loadLabels(imageId, true, seq);
  }

  /** Reverts the newest write set (of this session or the batch grid) and shows its image. */
  async undoLast(): Promise<void> {
    const entry = this.undo.pop();
    if (!entry) return;
    let changes;
    try {
      changes = await entry.changes;
    } catch {
      return; // it failed and was rolled back already
    }
    if (changes.length === 0) return;
    try {
      await this.api.call('annotations.revert', { changes });
    } catch (err) {
      this.undo.restore(entry);
      this.errors.handleError(err, 'Could not undo the last change');
      return;
    }
    for (const imageId of new Set(changes.map((c) => c.imageId))) {
      const current = this.#images.get(imageId);
      if (current) {
        const values = new Map(current.values);
        for (const c of changes) if (c.imageId === imageId) values.set(c.labelId, c.previous);
        this.setValues(imageId, values);
      }
      this.#writeSeq.set(imageId, (this.#writeSeq.get(imageId) ?? 0) + 1);
      void this.loadLabels(imageId, true);
    }
    // Undoing on another image of the order goes back there, so what changed is in view.
    const at = this.#order.findIndex((o) => o.imageId === entry.imageId);
    if (at >= 0 && at !== this.#index && changes.every((c) => c.imageId === entry.imageId)) await this.go(at);
  }

  private setValues(imageId: number, values: ReadonlyMap<number, AnnotationValue | null>): void {
    const entry = this.#images.get(imageId);
    if (!entry) return;
    this.#images = new Map(this.#images).set(imageId, { labels: entry.labels, values });
  }

  private load(id: number): Promise<LoadedImage> {
    let promise = this.#loads.get(id);
    if (!promise) {
      promise = this.#loadImage(id).then((image) => {
        this.#loaded.set(id, image);
        return image;
      });
      promise.catch(() => this.#loads.delete(id));
      this.#loads.set(id, promise);
    }
    return promise;
  }

  /** This session's value of each label of image `id` (mine, or my adjudication), with everyone's. */
  private loadLabels(id: number, force = false, seq?: number): Promise<void> {
    const existing = this.#labelLoads.get(id);
    if (existing && !force) return existing;
    const promise = this.api.call('annotations.image', { imageId: id, labelSetId: this.labelSet.id, annotatorId: this.annotator.id }).then((labels) => {
      if (this.#closed || (seq !== undefined && this.#writeSeq.get(id) !== seq)) return;
      const adjudicator = `${this.annotator.name} (adjudication)`;
      const values = new Map(
        labels.map((l) => [l.labelId, this.adjudicate ? (l.all.find((a) => a.source === 'adjudication' && a.annotator === adjudicator)?.value ?? null) : l.mine] as const),
      );
      this.#images = new Map(this.#images).set(id, { labels, values });
    });
    promise.catch(() => this.#labelLoads.delete(id));
    this.#labelLoads.set(id, promise);
    return promise;
  }

  /** Fetches the next images (pixels, detail, labels) and forgets those far behind. */
  private prefetch(): void {
    const keep = new Set<number>();
    for (let i = Math.max(0, this.#index - KEEP_BEHIND); i <= Math.min(this.#order.length - 1, this.#index + PREFETCH_AHEAD); i++) keep.add(this.#order[i]!.imageId);
    for (let i = this.#index + 1; i <= Math.min(this.#order.length - 1, this.#index + PREFETCH_AHEAD); i++) {
      const id = this.#order[i]!.imageId;
      this.load(id).catch(() => undefined);
      this.loadLabels(id).catch(() => undefined);
    }
    for (const id of [...this.#loads.keys()]) {
      if (keep.has(id)) continue;
      this.#loads.delete(id);
      this.#loaded.delete(id);
    }
    // Labels far behind are read again if the annotator goes back (a long session keeps a window, not everything).
    const stale = [...this.#images.keys()].filter((id) => !keep.has(id));
    if (stale.length > 0) {
      const images = new Map(this.#images);
      for (const id of stale) {
        images.delete(id);
        this.#labelLoads.delete(id);
      }
      this.#images = images;
    }
  }

  /** Shows a neighbouring slice of the same volume in the viewer; the labels stay with the labelled slice. */
  async showContext(offset: number): Promise<void> {
    const id = this.imageId;
    const base = id === null ? undefined : this.#loaded.get(id);
    const slices = base?.detail.volume?.sliceIds ?? [];
    const at = slices.indexOf(id ?? -1);
    if (!base || at < 0) return;
    const target = Math.max(-at, Math.min(slices.length - 1 - at, offset)) || 0; // never -0
    this.#context = target;
    if (target === 0) return this.viewer.show(base.detail, base.pixels);
    const sliceId = slices[at + target]!;
    try {
      const image = await this.#loadImage(sliceId);
      if (this.imageId === id && this.#context === target) this.viewer.show(image.detail, image.pixels);
    } catch (err) {
      this.errors.handleError(err, `Could not show slice ${sliceId}`);
    }
  }
}
