/**
 * Random resized crop (torchvision `RandomResizedCrop.get_params`, used by every DINO view):
 * pick an area fraction in `scale` and a log-uniform aspect ratio in `ratio`, try 10 times to fit
 * such a window in the image, else fall back to a centred crop of clamped aspect ratio.
 * Then the window becomes a `tf.image.cropAndResize` box.
 */
import type { Rng } from '../../random/rng.js';

/** Pixel window: rows [top, top+height), columns [left, left+width). */
export interface CropWindow {
  top: number;
  left: number;
  height: number;
  width: number;
}

export const DEFAULT_RATIO: readonly [number, number] = Object.freeze([3 / 4, 4 / 3]) as readonly [number, number];

/** `RandomResizedCrop.get_params(img, scale, ratio)` with draws from `rng`. */
export function sampleResizedCrop(
  rng: Rng,
  height: number,
  width: number,
  scale: readonly [number, number],
  ratio: readonly [number, number] = DEFAULT_RATIO,
): CropWindow {
  const area = height * width;
  const [logLo, logHi] = [Math.log(ratio[0]), Math.log(ratio[1])];
  for (let attempt = 0; attempt < 10; attempt++) {
    const targetArea = area * rng.range(scale[0], scale[1]);
    const aspect = Math.exp(rng.range(logLo, logHi));
    // Python's round() rounds halves to even; the difference at exact .5 is immaterial here.
    const w = Math.round(Math.sqrt(targetArea * aspect));
    const h = Math.round(Math.sqrt(targetArea / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      return { top: rng.int(0, height - h), left: rng.int(0, width - w), height: h, width: w };
    }
  }
  // Fallback: the whole image, cut down to the nearest allowed aspect ratio, centred.
  const inRatio = width / height;
  let [w, h] = [width, height];
  if (inRatio < Math.min(...ratio)) h = Math.round(w / Math.min(...ratio));
  else if (inRatio > Math.max(...ratio)) w = Math.round(h * Math.max(...ratio));
  return { top: Math.floor((height - h) / 2), left: Math.floor((width - w) / 2), height: h, width: w };
}

/**
 * The normalised `[y1, x1, y2, x2]` box for `tf.image.cropAndResize` that samples `win` at
 * `outSize`² pixel centres (half-pixel convention, as PIL's resize), flipped left-right when
 * `flip` (cropAndResize flips when x1 > x2, so the flip costs nothing).
 */
export function cropBox(win: CropWindow, imageHeight: number, imageWidth: number, outSize: number, flip: boolean): [number, number, number, number] {
  // Output pixel u samples input coordinate top + (u + ½)·h/out − ½; tf maps box ends to
  // coordinate y·(H − 1), so the ends are the first and last sample positions over (H − 1).
  const y1 = (win.top + (0.5 * win.height) / outSize - 0.5) / (imageHeight - 1);
  const y2 = (win.top + win.height - (0.5 * win.height) / outSize - 0.5) / (imageHeight - 1);
  const x1 = (win.left + (0.5 * win.width) / outSize - 0.5) / (imageWidth - 1);
  const x2 = (win.left + win.width - (0.5 * win.width) / outSize - 0.5) / (imageWidth - 1);
  return flip ? [y1, x2, y2, x1] : [y1, x1, y2, x2];
}
