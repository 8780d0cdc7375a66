/**
 * Window/level for the B-scan viewer: raw samples (8- or 16-bit) → 8-bit grey RGBA for a canvas.
 * A window [low, high] maps low → black and high → white, linearly, clamped outside. The mapping
 * goes through a lookup table, so a 16-bit B-scan re-renders in one pass of table reads while the
 * user drags.
 */

export interface Window {
  low: number;
  high: number;
}

export type Samples = Uint8Array | Uint16Array;

/** The table of 8-bit values for samples 0..maxSample under `window`. */
export function windowLut(window: Window, maxSample: number): Uint8Array {
  const lut = new Uint8Array(maxSample + 1);
  const low = window.low;
  // A zero-width window is a threshold; keep the division finite.
  const width = Math.max(1e-6, window.high - window.low);
  for (let v = 0; v <= maxSample; v++) {
    const t = (v - low) / width;
    lut[v] = t <= 0 ? 0 : t >= 1 ? 255 : Math.round(t * 255);
  }
  return lut;
}

/** Grey RGBA pixels of `samples` under `window`; writes into `out` when it has the right size. */
export function renderWindow(samples: Samples, window: Window, out?: Uint8ClampedArray): Uint8ClampedArray {
  const maxSample = samples instanceof Uint16Array ? 65535 : 255;
  const lut = windowLut(window, maxSample);
  const rgba = out && out.length === samples.length * 4 ? out : new Uint8ClampedArray(samples.length * 4);
  // One 32-bit write per pixel (grey in R, G, B; opaque alpha), in the platform's byte order.
  const words = new Uint32Array(rgba.buffer, rgba.byteOffset, samples.length);
  const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
  for (let i = 0; i < samples.length; i++) {
    const g = lut[samples[i] as number] as number;
    words[i] = littleEndian ? (0xff000000 | (g << 16) | (g << 8) | g) >>> 0 : ((g << 24) | (g << 16) | (g << 8) | 0xff) >>> 0;
  }
  return rgba;
}

/** Smallest and largest sample (the range the window sliders span for 16-bit data). */
export function sampleRange(samples: Samples): { min: number; max: number } {
  if (samples.length === 0) return { min: 0, max: 0 };
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i] as number;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

export function windowCenter(window: Window): number {
  return (window.low + window.high) / 2;
}

export function windowWidth(window: Window): number {
  return window.high - window.low;
}

/** The window with this centre and width, kept inside [min, max] for its centre and at least 1 wide. */
export function windowFrom(center: number, width: number, range: { min: number; max: number }): Window {
  const w = Math.max(1, width);
  const c = Math.min(range.max, Math.max(range.min, center));
  return { low: c - w / 2, high: c + w / 2 };
}

/**
 * Right-button drag as in radiology viewers: right widens the window (less contrast), down lowers
 * the level (brighter). One screen pixel moves the window by a fixed share of the sample range.
 */
export function dragWindow(start: Window, dx: number, dy: number, range: { min: number; max: number }): Window {
  const span = Math.max(1, range.max - range.min);
  const step = span / 512;
  return windowFrom(windowCenter(start) - dy * step, windowWidth(start) + dx * step, range);
}
