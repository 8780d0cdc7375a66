/**
 * The image viewer's state: the image shown (its detail and raw samples), the display window and
 * the zoom/pan. The window the user set is kept while scrolling through the slices of one volume
 * (the same tissue, the same contrast wanted); another volume starts from its stored window.
 */
import type { ImageDetail } from '../../../../src-main/api/types.js';
import type { ApiClient } from '../api/api-client.js';
import { loadPixels, type PixelImage } from '../imaging/pixels.js';
import { fitTransform, panBy, zoomAt, type ViewTransform } from '../imaging/view-transform.js';
import { sampleRange, type Window } from '../imaging/window-level.js';
import type { ErrorsState } from './errors.svelte.js';

export interface SampleRange {
  min: number;
  max: number;
}

export class ViewerState {
  #detail = $state.raw<ImageDetail | null>(null);
  #pixels = $state.raw<PixelImage | null>(null);
  #range = $state.raw<SampleRange>({ min: 0, max: 255 });
  #window = $state.raw<Window>({ low: 0, high: 255 });
  #transform = $state.raw<ViewTransform>({ zoom: 1, x: 0, y: 0 });
  #loading = $state(false);
  #failure = $state<string | null>(null);
  #view = { width: 0, height: 0 };
  #userWindow = false;
  #fitted = false;
  #request = 0;
  #abort: AbortController | null = null;

  constructor(
    private readonly api: ApiClient,
    private readonly errors: ErrorsState,
  ) {}

  get detail(): ImageDetail | null {
    return this.#detail;
  }
  get pixels(): PixelImage | null {
    return this.#pixels;
  }
  get range(): SampleRange {
    return this.#range;
  }
  get window(): Window {
    return this.#window;
  }
  get transform(): ViewTransform {
    return this.#transform;
  }
  get loading(): boolean {
    return this.#loading;
  }
  /** Why the image could not be shown (also reported through the error path). */
  get failure(): string | null {
    return this.#failure;
  }
  /** Position of the shown image in its volume (0-based), or -1 outside a volume. */
  get sliceIndex(): number {
    return this.#detail?.volume?.sliceIds.indexOf(this.#detail.id) ?? -1;
  }
  get sliceCount(): number {
    return this.#detail?.volume?.sliceIds.length ?? 0;
  }

  async open(id: number): Promise<void> {
    const request = ++this.#request;
    this.#abort?.abort();
    const abort = new AbortController();
    this.#abort = abort;
    this.#loading = true;
    try {
      const [detail, pixels] = await Promise.all([this.api.call('images.get', { id }), loadPixels(this.api.imageUrl(id, 'pixels'), abort.signal)]);
      if (request !== this.#request) return;
      this.apply(detail, pixels);
    } catch (err) {
      if (request !== this.#request || abort.signal.aborted) return;
      this.fail(id, err);
    } finally {
      if (request === this.#request) this.#loading = false;
    }
  }

  /** Marks the view as waiting for an image another owner loads (e.g. the Annotate view's prefetch). */
  await(): void {
    this.#request++;
    this.#abort?.abort();
    this.#loading = true;
  }

  /** Shows an image already loaded (prefetched) at once: no call, no await. */
  show(detail: ImageDetail, pixels: PixelImage): void {
    this.#request++;
    this.#abort?.abort();
    this.#loading = false;
    this.apply(detail, pixels);
  }

  /** Reports an image that could not be loaded by its owner. */
  fail(id: number, err: unknown): void {
    this.#loading = false;
    this.#failure = err instanceof Error ? err.message : String(err);
    this.errors.handleError(err, `Could not show image ${id}`);
  }

  private apply(detail: ImageDetail, pixels: PixelImage): void {
    const sameVolume = detail.volume !== null && detail.volume.id === this.#detail?.volume?.id;
    const sameSize = pixels.width === this.#pixels?.width && pixels.height === this.#pixels?.height;
    this.#detail = detail;
    this.#pixels = pixels;
    this.#failure = null;
    this.#range = pixels.bitDepth === 8 ? { min: 0, max: 255 } : sampleRange(pixels.samples);
    if (!(sameVolume && this.#userWindow)) {
      this.#userWindow = false;
      this.#window = pixels.storedWindow ?? { low: this.#range.min, high: this.#range.max };
    }
    if (!sameSize || !this.#fitted) this.fit();
  }

  /** The id of the slice `delta` steps away in this volume (clamped to its ends), or null. */
  sliceId(delta: number): number | null {
    const ids = this.#detail?.volume?.sliceIds ?? [];
    if (ids.length === 0 || this.sliceIndex < 0) return null;
    const target = Math.min(ids.length - 1, Math.max(0, this.sliceIndex + delta));
    return target === this.sliceIndex ? null : (ids[target] ?? null);
  }

  sliceIdAt(index: number): number | null {
    return this.#detail?.volume?.sliceIds[index] ?? null;
  }

  setWindow(window: Window): void {
    this.#userWindow = true;
    this.#window = window;
  }

  resetWindow(): void {
    this.#userWindow = false;
    this.#window = this.#pixels?.storedWindow ?? { low: this.#range.min, high: this.#range.max };
  }

  /** The canvas's size in CSS pixels; the first known size fits the image into it. */
  setViewSize(width: number, height: number): void {
    this.#view = { width, height };
    if (!this.#fitted && this.#pixels) this.fit();
  }

  fit(): void {
    if (!this.#pixels || this.#view.width <= 0) return;
    this.#fitted = true;
    this.#transform = fitTransform(this.#pixels.width, this.#pixels.height, this.#view.width, this.#view.height);
  }

  /** Zooms about a screen point (the centre of the view when none is given). */
  zoom(factor: number, at?: { x: number; y: number }): void {
    this.#transform = zoomAt(this.#transform, factor, at?.x ?? this.#view.width / 2, at?.y ?? this.#view.height / 2);
  }

  /** 1 image pixel to 1 screen pixel, about the centre. */
  actualSize(): void {
    this.zoom(1 / this.#transform.zoom);
  }

  pan(dx: number, dy: number): void {
    this.#transform = panBy(this.#transform, dx, dy);
  }

  close(): void {
    this.#request++;
    this.#abort?.abort();
  }
}
