/**
 * 16-bit → 8-bit for thumbnails and the training cache. OCT devices store 12–16 significant
 * bits with most of the range empty and a few saturated speckles, so a min/max stretch would
 * leave the retina a dark smudge. A robust window (0.5th–99.5th percentile) is used instead,
 * found with a 65,536-bin histogram in O(n), and returned so display can reproduce it.
 *
 * Mapping (what display must do for the same picture):
 *   out = round((clamp(v, low, high) - low) * 255 / (high - low)),   with high > low.
 */
import type { GrayImage } from './gray-image.js';

export interface IntensityWindow {
  /** Sample value mapped to 0. */
  readonly low: number;
  /** Sample value mapped to 255; always > low. */
  readonly high: number;
}

export interface EightBitImage {
  data: Uint8Array;
  window: IntensityWindow;
}

/** Fraction of pixels allowed to clip at each end. */
export const WINDOW_CLIP_FRACTION = 0.005;

const IDENTITY_8BIT: IntensityWindow = Object.freeze({ low: 0, high: 255 });

// Reused across calls: the function is synchronous, so no two calls can share it at once.
const histogram = new Uint32Array(65_536);
const lut = new Uint8Array(65_536);

export function toEightBit(image: GrayImage): EightBitImage {
  if (image.bitDepth === 8) return { data: image.data, window: IDENTITY_8BIT };
  const window = robustWindow(image.data);
  const { low, high } = window;
  const scale = 255 / (high - low);
  for (let v = 0; v < 65_536; v++) {
    const c = v <= low ? 0 : v >= high ? high - low : v - low;
    lut[v] = Math.round(c * scale);
  }
  const src = image.data;
  const out = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = lut[src[i]!]!;
  return { data: out, window };
}

/**
 * The [p, 1-p] percentile window of 16-bit samples. A (nearly) flat image has no spread to
 * stretch; it gets a window one step wide so the formula above stays defined.
 */
export function robustWindow(samples: Uint16Array, clipFraction = WINDOW_CLIP_FRACTION): IntensityWindow {
  const n = samples.length;
  if (n === 0) return { low: 0, high: 1 };
  histogram.fill(0);
  for (let i = 0; i < n; i++) histogram[samples[i]!]!++;
  // Ranks of the two percentiles (0-based, nearest rank).
  const lowRank = Math.floor(clipFraction * (n - 1));
  const highRank = Math.ceil((1 - clipFraction) * (n - 1));
  let low = -1;
  let high = -1;
  let seen = 0;
  for (let v = 0; v < 65_536; v++) {
    seen += histogram[v]!;
    if (low < 0 && seen > lowRank) low = v;
    if (seen > highRank) {
      high = v;
      break;
    }
  }
  if (high <= low) {
    return low >= 65_535 ? { low: 65_534, high: 65_535 } : { low, high: low + 1 };
  }
  return { low, high };
}
