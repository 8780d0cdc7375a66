/**
 * The Patch features tab's state: for a run and 1–8 chosen images, either the patch colours of
 * a ViT (`inspect.patchColours`: the first three principal components of the patch tokens, fit
 * across the chosen images, as RGB on the patch grid: parts of the retina emerge as colours,
 * as in DINOv2) or the Grad-CAM maps of a ResNet (`inspect.gradCam`, one image at a time: a map
 * per biomarker for a classifier, the feature norm for a backbone alone), and how to draw them.
 * A run with the other backbone answers `invalid_input`; the message is shown in place, with the
 * other mode offered, rather than as an app error.
 */
import type { ApiResult } from '../../../../src-main/api/types.js';
import { ApiClientError } from '../api/api-client-error.js';
import type { ApiClient } from '../api/api-client.js';
import type { ColourMap } from '../inspect/attention-overlay.js';
import { toggleChosen, type Resample } from '../inspect/patch-colours.js';
import { PICKER_PAGE, type ImageItem } from './inspect-attention.svelte.js';

export type FeaturesMode = 'patches' | 'gradcam';
export type PatchResult = ApiResult<'inspect.patchColours'>;
export type GradCamResult = ApiResult<'inspect.gradCam'>;
/** Beside the scan (opaque) or blended over it (the opacity slider). */
export type FeaturesLayout = 'beside' | 'over';

export interface CamImage {
  imageId: number;
  result: GradCamResult | null;
  error: string | null;
}

/** The endpoint takes at most this many images (the PCA is fit across them). */
export const MAX_FEATURE_IMAGES = 8;
/** Images chosen when the tab first opens (two, so the shared colours can be compared). */
const FIRST_CHOICE = 2;

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export class InspectFeaturesState {
  #mode = $state<FeaturesMode>('patches');
  #runId = $state<number | null>(null);
  #chosen = $state.raw<readonly number[]>([]);
  #patches = $state.raw<PatchResult | null>(null);
  #cams = $state.raw<readonly CamImage[]>([]);
  #target = $state<string | null>(null);
  #error = $state<string | null>(null);
  /** The error was the core refusing this backbone (the other mode may suit the run). */
  #wrongBackbone = $state(false);
  #loading = $state(false);
  #layout = $state<FeaturesLayout>('over');
  #opacity = $state(0.6);
  #resample = $state<Resample>('nearest');
  #colourMap = $state<ColourMap>('jet');
  #picker = $state.raw<{ offset: number; total: number; items: readonly ImageItem[] } | null>(null);
  #request = 0;

  constructor(private readonly api: ApiClient) {}

  get mode(): FeaturesMode {
    return this.#mode;
  }
  get runId(): number | null {
    return this.#runId;
  }
  get chosen(): readonly number[] {
    return this.#chosen;
  }
  get patches(): PatchResult | null {
    return this.#patches;
  }
  get cams(): readonly CamImage[] {
    return this.#cams;
  }
  /** The Grad-CAM targets the maps have (biomarkers, or "feature norm"). */
  get targets(): string[] {
    return this.#cams.find((c) => c.result)?.result?.maps.map((m) => m.target) ?? [];
  }
  /** The chosen target, or the first one there is. */
  get target(): string | null {
    const targets = this.targets;
    return this.#target !== null && targets.includes(this.#target) ? this.#target : (targets[0] ?? null);
  }
  get error(): string | null {
    return this.#error;
  }
  get wrongBackbone(): boolean {
    return this.#wrongBackbone;
  }
  get loading(): boolean {
    return this.#loading;
  }
  get layout(): FeaturesLayout {
    return this.#layout;
  }
  get opacity(): number {
    return this.#opacity;
  }
  /** The patch layer's alpha: opaque beside the scan, the slider's over it. */
  get layerOpacity(): number {
    return this.#layout === 'beside' ? 1 : this.#opacity;
  }
  get resample(): Resample {
    return this.#resample;
  }
  get colourMap(): ColourMap {
    return this.#colourMap;
  }
  get picker(): { offset: number; total: number; items: readonly ImageItem[] } | null {
    return this.#picker;
  }

  reset(): void {
    this.#request++;
    this.#runId = null;
    this.#chosen = [];
    this.#patches = null;
    this.#cams = [];
    this.#target = null;
    this.#error = null;
    this.#wrongBackbone = false;
    this.#loading = false;
    this.#picker = null;
  }

  chooseRun(runId: number): Promise<void> {
    this.#runId = runId;
    return this.load();
  }

  chooseMode(mode: FeaturesMode): Promise<void> {
    this.#mode = mode;
    return this.load();
  }

  /** Adds or removes an image (past eight, the earliest chosen gives way). */
  toggleImage(imageId: number): Promise<void> {
    if (!(Number.isInteger(imageId) && imageId > 0)) return Promise.resolve();
    this.#chosen = toggleChosen(this.#chosen, imageId, MAX_FEATURE_IMAGES);
    return this.load();
  }

  chooseImages(imageIds: readonly number[]): Promise<void> {
    this.#chosen = [...new Set(imageIds.filter((id) => Number.isInteger(id) && id > 0))].slice(0, MAX_FEATURE_IMAGES);
    return this.load();
  }

  setTarget(target: string): void {
    this.#target = target;
  }
  setLayout(layout: FeaturesLayout): void {
    this.#layout = layout;
  }
  setOpacity(value: number): void {
    this.#opacity = Math.min(1, Math.max(0, value));
  }
  setResample(resample: Resample): void {
    this.#resample = resample;
  }
  setColourMap(map: ColourMap): void {
    this.#colourMap = map;
  }

  /** Fetches what the mode shows for the run and the chosen images (a newer request wins). */
  async load(): Promise<void> {
    const runId = this.#runId;
    const imageIds = [...this.#chosen];
    const mode = this.#mode;
    const request = ++this.#request;
    this.#error = null;
    this.#wrongBackbone = false;
    if (runId === null || imageIds.length === 0) {
      this.#patches = null;
      this.#cams = [];
      this.#loading = false;
      return;
    }
    this.#loading = true;
    try {
      if (mode === 'patches') {
        const result = await this.api.call('inspect.patchColours', { runId, imageIds });
        if (request !== this.#request) return;
        this.#patches = result;
        this.#cams = [];
      } else {
        this.#patches = null;
        this.#cams = imageIds.map((imageId) => ({ imageId, result: null, error: null }));
        // One image after another: each call loads the model on the core, in parallel they would only queue there.
        for (const [k, imageId] of imageIds.entries()) {
          let cam: CamImage;
          try {
            cam = { imageId, result: await this.api.call('inspect.gradCam', { runId, imageId }), error: null };
          } catch (err) {
            // The backbone is the same for every image: a refusal ends the loop with the message in place.
            if (isWrongBackbone(err)) throw err;
            cam = { imageId, result: null, error: message(err) };
          }
          if (request !== this.#request) return;
          this.#cams = this.#cams.map((c, i) => (i === k ? cam : c));
        }
      }
    } catch (err) {
      if (request !== this.#request) return;
      this.#patches = null;
      this.#cams = [];
      this.#error = message(err);
      this.#wrongBackbone = isWrongBackbone(err);
    } finally {
      if (request === this.#request) this.#loading = false;
    }
  }

  /** A page of images to pick from; the first time, the first two are chosen. */
  async loadPicker(offset = 0): Promise<void> {
    try {
      const page = await this.api.call('images.query', { offset: Math.max(0, offset), limit: PICKER_PAGE });
      this.#picker = { offset: Math.max(0, offset), total: page.total, items: page.items };
      if (this.#chosen.length === 0 && page.items.length > 0) void this.chooseImages(page.items.slice(0, FIRST_CHOICE).map((i) => i.id));
    } catch (err) {
      this.#error = `Could not list the images: ${message(err)}`;
    }
  }
}

function isWrongBackbone(err: unknown): boolean {
  return err instanceof ApiClientError && err.code === 'invalid_input' && /backbone/.test(err.message);
}
