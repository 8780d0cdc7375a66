/**
 * Patch features as colours over a B-scan (the DINOv2 figure): the core gives, per image, the
 * first three principal components of its patch tokens as RGB bytes on the patch grid (fit
 * across the chosen images together, so one part of the retina gets one colour in all of them);
 * here each grid is brought up to the scan's own resolution, by nearest patch (the patches as
 * they are) or bilinearly from the patch centres (the same rule as the attention overlay), as
 * an RGBA layer to draw beside or over the scan. Pure, so it is tested without a DOM.
 */
import { upsample } from './attention-overlay.js';

export type Resample = 'nearest' | 'bilinear';

export interface PatchLayerOptions {
  resample: Resample;
  /** 0–1: the layer's alpha (1 beside the scan, less to blend over it). */
  opacity: number;
}

/** A rows × cols × 3 byte grid as an RGBA layer of width × height. */
export function patchRgba(rgb: ArrayLike<number>, grid: readonly [number, number], width: number, height: number, o: PatchLayerOptions): Uint8ClampedArray<ArrayBuffer> {
  const [gh, gw] = grid;
  if (rgb.length !== gh * gw * 3) throw new RangeError(`a ${gh}×${gw} grid of colours needs ${gh * gw * 3} values, got ${rgb.length}`);
  const alpha = Math.round(Math.min(1, Math.max(0, o.opacity)) * 255);
  const out = new Uint8ClampedArray(width * height * 4);
  if (o.resample === 'bilinear') {
    for (let c = 0; c < 3; c++) {
      const channel = Float32Array.from({ length: gh * gw }, (_, i) => rgb[i * 3 + c] as number);
      const up = upsample(channel, gh, gw, width, height);
      for (let i = 0; i < width * height; i++) out[i * 4 + c] = Math.round(up[i]!);
    }
  } else {
    const columns = Int32Array.from({ length: width }, (_, x) => Math.min(gw - 1, Math.floor((x * gw) / width)));
    for (let y = 0; y < height; y++) {
      const row = Math.min(gh - 1, Math.floor((y * gh) / height)) * gw;
      for (let x = 0; x < width; x++) {
        const k = (row + columns[x]!) * 3;
        const i = (y * width + x) * 4;
        out[i] = rgb[k] as number;
        out[i + 1] = rgb[k + 1] as number;
        out[i + 2] = rgb[k + 2] as number;
      }
    }
  }
  for (let i = 3; i < out.length; i += 4) out[i] = alpha;
  return out;
}

/** Toggles `id` in a chosen list of at most `max` ids (the oldest choice gives way to a new one past it). */
export function toggleChosen(chosen: readonly number[], id: number, max: number): number[] {
  if (chosen.includes(id)) return chosen.filter((c) => c !== id);
  const next = [...chosen, id];
  return next.length > max ? next.slice(next.length - max) : next;
}
