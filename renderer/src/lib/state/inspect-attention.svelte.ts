/**
 * The Attention tab's state: which run (a pretraining teacher or a downstream classifier) and
 * which image, at the end of training or at a kept checkpoint, with or without rollout; the
 * maps the core returned (per head and mean on the patch grid) and how to draw them (head,
 * colour map, opacity, mass threshold). "Over training" fetches the same image's maps at a few
 * kept checkpoints of a pretraining run. A run the core cannot draw attention for (a ResNet)
 * answers with a message, shown in place rather than as an app error.
 */
import type { ApiResult } from '../../../../src-main/api/types.js';
import type { ApiClient } from '../api/api-client.js';
import type { ColourMap } from '../inspect/attention-overlay.js';
import type { InspectRun } from './inspect-state.svelte.js';

export type AttentionResult = ApiResult<'inspect.attention'>;
export type HeadChoice = number | 'mean' | 'all';
export type ImageItem = ApiResult<'images.query'>['items'][number];

export interface TrainingFrame {
  /** null: the end of training. */
  step: number | null;
  result: AttentionResult | null;
  error: string | null;
}

export const PICKER_PAGE = 12;
/** Checkpoints shown side by side in "over training" (spread evenly over the kept ones, the last included). */
export const OVER_TRAINING_FRAMES = 4;

/** Up to `count` of the sorted `steps`, evenly spread, first and last included. */
export function spreadSteps(steps: readonly number[], count: number): number[] {
  if (steps.length <= count) return [...steps];
  if (count <= 1) return steps.length ? [steps.at(-1)!] : [];
  const out = new Set<number>();
  for (let k = 0; k < count; k++) out.add(steps[Math.round((k * (steps.length - 1)) / (count - 1))]!);
  return [...out];
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export class InspectAttentionState {
  #runId = $state<number | null>(null);
  #runKind = $state<string | null>(null);
  #imageId = $state<number | null>(null);
  #checkpoints = $state.raw<readonly number[]>([]);
  #checkpointStep = $state<number | null>(null);
  #rollout = $state(false);
  #result = $state.raw<AttentionResult | null>(null);
  #error = $state<string | null>(null);
  #loading = $state(false);
  /** Round trip of the last maps as the UI saw it (request → answer), ms. */
  #latencyMs = $state<number | null>(null);
  #head = $state<HeadChoice>('mean');
  #colourMap = $state<ColourMap>('inferno');
  #opacity = $state(0.55);
  #threshold = $state(0.6);
  #thresholdOn = $state(true);
  #frames = $state.raw<readonly TrainingFrame[]>([]);
  #framesLoading = $state(false);
  #picker = $state.raw<{ offset: number; total: number; items: readonly ImageItem[] } | null>(null);
  #request = 0;
  #framesRequest = 0;

  constructor(private readonly api: ApiClient) {}

  get runId(): number | null {
    return this.#runId;
  }
  get isPretrain(): boolean {
    return this.#runKind === 'pretrain';
  }
  get imageId(): number | null {
    return this.#imageId;
  }
  get checkpoints(): readonly number[] {
    return this.#checkpoints;
  }
  get checkpointStep(): number | null {
    return this.#checkpointStep;
  }
  get rollout(): boolean {
    return this.#rollout;
  }
  get result(): AttentionResult | null {
    return this.#result;
  }
  get error(): string | null {
    return this.#error;
  }
  get loading(): boolean {
    return this.#loading;
  }
  get latencyMs(): number | null {
    return this.#latencyMs;
  }
  get head(): HeadChoice {
    return this.#head;
  }
  get colourMap(): ColourMap {
    return this.#colourMap;
  }
  get opacity(): number {
    return this.#opacity;
  }
  get threshold(): number {
    return this.#threshold;
  }
  get thresholdOn(): boolean {
    return this.#thresholdOn;
  }
  /** The threshold the overlay uses (null: the whole map). */
  get share(): number | null {
    return this.#thresholdOn ? this.#threshold : null;
  }
  get frames(): readonly TrainingFrame[] {
    return this.#frames;
  }
  get framesLoading(): boolean {
    return this.#framesLoading;
  }
  get picker(): { offset: number; total: number; items: readonly ImageItem[] } | null {
    return this.#picker;
  }

  /** The maps to draw for the chosen head: one, or every head then the mean for "all". */
  get panels(): { title: string; map: readonly number[] }[] {
    const r = this.#result;
    if (!r) return [];
    if (this.#head === 'all') return [...r.maps.map((map, h) => ({ title: `head ${h + 1}`, map })), { title: 'mean', map: r.mean }];
    if (this.#head === 'mean' || this.#head >= r.heads) return [{ title: `mean of ${r.heads} heads`, map: r.mean }];
    return [{ title: `head ${this.#head + 1} of ${r.heads}`, map: r.maps[this.#head]! }];
  }

  reset(): void {
    this.#request++;
    this.#framesRequest++;
    this.#runId = null;
    this.#runKind = null;
    this.#imageId = null;
    this.#checkpoints = [];
    this.#checkpointStep = null;
    this.#result = null;
    this.#error = null;
    this.#loading = false;
    this.#latencyMs = null;
    this.#frames = [];
    this.#picker = null;
  }

  async chooseRun(runId: number, runs: readonly InspectRun[]): Promise<void> {
    this.#runId = runId;
    this.#runKind = runs.find((r) => r.id === runId)?.kind ?? null;
    this.#checkpointStep = null;
    this.#checkpoints = [];
    this.#frames = [];
    const loads: Promise<void>[] = [this.load()];
    if (this.#runKind === 'pretrain') loads.push(this.loadCheckpoints(runId));
    await Promise.all(loads);
  }

  chooseImage(imageId: number | null): Promise<void> {
    if (imageId !== null && !(Number.isInteger(imageId) && imageId > 0)) return Promise.resolve();
    this.#imageId = imageId;
    this.#frames = [];
    return this.load();
  }

  chooseCheckpoint(step: number | null): Promise<void> {
    this.#checkpointStep = step;
    return this.load();
  }

  setRollout(on: boolean): Promise<void> {
    this.#rollout = on;
    this.#frames = [];
    return this.load();
  }

  setHead(head: HeadChoice): void {
    this.#head = head;
  }
  setColourMap(map: ColourMap): void {
    this.#colourMap = map;
  }
  setOpacity(value: number): void {
    this.#opacity = Math.min(1, Math.max(0, value));
  }
  setThreshold(value: number): void {
    this.#threshold = Math.min(1, Math.max(0, value));
  }
  setThresholdOn(on: boolean): void {
    this.#thresholdOn = on;
  }

  /** Fetches the maps for the current run, image, checkpoint and rollout (a newer request wins). */
  async load(): Promise<void> {
    const runId = this.#runId;
    const imageId = this.#imageId;
    const request = ++this.#request;
    if (runId === null || imageId === null) {
      this.#result = null;
      this.#error = null;
      this.#loading = false;
      return;
    }
    this.#loading = true;
    this.#error = null;
    const started = performance.now();
    try {
      const input = { runId, imageId, rollout: this.#rollout, ...(this.#checkpointStep !== null ? { checkpointStep: this.#checkpointStep } : {}) };
      const result = await this.api.call('inspect.attention', input);
      if (request !== this.#request) return;
      this.#result = result;
      this.#latencyMs = performance.now() - started;
      // A head that the new run does not have falls back to the mean.
      if (typeof this.#head === 'number' && this.#head >= result.heads) this.#head = 'mean';
    } catch (err) {
      if (request !== this.#request) return;
      this.#result = null;
      this.#error = message(err);
    } finally {
      if (request === this.#request) this.#loading = false;
    }
  }

  /** The same image at a few kept checkpoints, then at the end of training (attention emerging). */
  async loadOverTraining(count = OVER_TRAINING_FRAMES): Promise<void> {
    const runId = this.#runId;
    const imageId = this.#imageId;
    if (runId === null || imageId === null || !this.isPretrain) return;
    const request = ++this.#framesRequest;
    const steps: (number | null)[] = [...spreadSteps(this.#checkpoints, count), null];
    this.#framesLoading = true;
    this.#frames = steps.map((step) => ({ step, result: null, error: null }));
    // One after another: each loads a model on the core, in parallel they would only queue there.
    for (const [k, step] of steps.entries()) {
      let frame: TrainingFrame;
      try {
        const result = await this.api.call('inspect.attention', { runId, imageId, rollout: this.#rollout, ...(step !== null ? { checkpointStep: step } : {}) });
        frame = { step, result, error: null };
      } catch (err) {
        frame = { step, result: null, error: message(err) };
      }
      if (request !== this.#framesRequest) return;
      this.#frames = this.#frames.map((f, i) => (i === k ? frame : f));
    }
    this.#framesLoading = false;
  }

  /** A page of images to pick from (volume order, as the Dataset grid). */
  async loadPicker(offset = 0): Promise<void> {
    try {
      const page = await this.api.call('images.query', { offset: Math.max(0, offset), limit: PICKER_PAGE });
      this.#picker = { offset: Math.max(0, offset), total: page.total, items: page.items };
      if (this.#imageId === null && page.items[0]) void this.chooseImage(page.items[0].id);
    } catch (err) {
      this.#error = `Could not list the images: ${message(err)}`;
    }
  }

  private async loadCheckpoints(runId: number): Promise<void> {
    try {
      const steps = await this.api.call('inspect.checkpoints', { runId });
      if (runId === this.#runId) this.#checkpoints = steps;
    } catch (err) {
      if (runId === this.#runId) this.#error = `Could not list the checkpoints of run ${runId}: ${message(err)}`;
    }
  }
}
