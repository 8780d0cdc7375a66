/**
 * Attention maps drawn over a B-scan in the renderer, the same rules as the core's overlay
 * (src-main/ml/inspect/overlay.ts, attention.ts): each patch-grid map is upsampled bilinearly
 * from the patch centres to the scan's full resolution, coloured with a perceptual colour map
 * and, with a mass threshold, shown only over the patches that hold that share of the map's
 * mass (the DINO reference's thresholded maps). Pure, so it is tested without a DOM.
 */

export type ColourMap = 'inferno' | 'viridis' | 'jet';
export const COLOUR_MAPS: readonly ColourMap[] = ['inferno', 'viridis', 'jet'];

/** A few anchor colours per map, interpolated linearly (the core uses the same anchors). */
const ANCHORS: Record<ColourMap, readonly (readonly [number, number, number])[]> = {
  inferno: [[0, 0, 4], [87, 16, 110], [188, 55, 84], [249, 142, 9], [252, 255, 164]],
  viridis: [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]],
  jet: [[0, 0, 131], [0, 60, 255], [5, 255, 250], [255, 235, 0], [128, 0, 0]],
};

/** The colour of `t` ∈ [0, 1] (clamped) on `map`, as RGB 0–255. */
export function colourOf(map: ColourMap, t: number): [number, number, number] {
  const a = ANCHORS[map];
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (a.length - 1);
  const i = Math.min(a.length - 2, Math.floor(x));
  const f = x - i;
  const [p, q] = [a[i]!, a[i + 1]!];
  return [p[0] + f * (q[0] - p[0]), p[1] + f * (q[1] - p[1]), p[2] + f * (q[2] - p[2])];
}

/** 256 entries of RGB (a lookup table: one colour per pixel without interpolating each time). */
export function colourTable(map: ColourMap): Uint8ClampedArray {
  const lut = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) lut.set(colourOf(map, i / 255).map(Math.round), i * 3);
  return lut;
}

/**
 * The patches that hold `share` of a map's mass, 1 = kept (the reference's rule: sort ascending,
 * normalise, cumulative sum, keep where it exceeds 1 − share). Default 0.6, as the reference.
 */
export function keepMass(map: ArrayLike<number>, share = 0.6): Uint8Array {
  if (!(share >= 0 && share <= 1)) throw new RangeError(`share must be in [0, 1], got ${share}`);
  const n = map.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (map[a] as number) - (map[b] as number));
  let total = 0;
  for (let i = 0; i < n; i++) total += map[i] as number;
  const keep = new Uint8Array(n);
  let cum = 0;
  for (const i of order) {
    cum += total > 0 ? (map[i] as number) / total : 0;
    // The tolerance keeps an exact boundary (0.1 + 0.2 + 0.3 = 0.6000000000000001) on the reference's side.
    if (cum > 1 - share + 1e-9) keep[i] = 1;
  }
  return keep;
}

/** A gh × gw grid sampled bilinearly at every pixel of a width × height image (values at patch centres). */
export function upsample(grid: ArrayLike<number>, gh: number, gw: number, width: number, height: number): Float32Array {
  if (grid.length !== gh * gw) throw new RangeError(`a ${gh}×${gw} grid needs ${gh * gw} values, got ${grid.length}`);
  const out = new Float32Array(width * height);
  // Column weights are the same on every row: work them out once.
  const x0s = new Int32Array(width);
  const x1s = new Int32Array(width);
  const fxs = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const gx = Math.min(gw - 1, Math.max(0, ((x + 0.5) / width) * gw - 0.5));
    x0s[x] = Math.floor(gx);
    x1s[x] = Math.min(gw - 1, x0s[x]! + 1);
    fxs[x] = gx - x0s[x]!;
  }
  for (let y = 0; y < height; y++) {
    const gy = Math.min(gh - 1, Math.max(0, ((y + 0.5) / height) * gh - 0.5));
    const y0 = Math.floor(gy);
    const y1 = Math.min(gh - 1, y0 + 1);
    const fy = gy - y0;
    const r0 = y0 * gw;
    const r1 = y1 * gw;
    for (let x = 0; x < width; x++) {
      const fx = fxs[x]!;
      const top = (grid[r0 + x0s[x]!] as number) * (1 - fx) + (grid[r0 + x1s[x]!] as number) * fx;
      const bottom = (grid[r1 + x0s[x]!] as number) * (1 - fx) + (grid[r1 + x1s[x]!] as number) * fx;
      out[y * width + x] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}

export interface OverlayOptions {
  /** Share of the map's mass to show (0–1); null shows the whole map. */
  threshold: number | null;
  /** 0–1. */
  opacity: number;
  colourMap: ColourMap;
}

/**
 * One map as an RGBA layer of width × height to draw over the scan: colour from the map's own
 * range (min → 0, max → 1), alpha = opacity where the kept patches are (everywhere without a
 * threshold), 0 elsewhere. The mask's edge is where the bilinear mask crosses ½ (a soft
 * outline instead of square patches), as the core's overlay.
 */
export function overlayRgba(map: ArrayLike<number>, grid: readonly [number, number], width: number, height: number, o: OverlayOptions): Uint8ClampedArray<ArrayBuffer> {
  const [gh, gw] = grid;
  const up = upsample(map, gh, gw, width, height);
  const keep = o.threshold === null ? null : upsample(keepMass(map, o.threshold), gh, gw, width, height);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < map.length; i++) {
    lo = Math.min(lo, map[i] as number);
    hi = Math.max(hi, map[i] as number);
  }
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  const lut = colourTable(o.colourMap);
  const alpha = Math.round(Math.min(1, Math.max(0, o.opacity)) * 255);
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const k = Math.min(255, Math.max(0, Math.round(((up[i] as number) - lo) * scale))) * 3;
    rgba[i * 4] = lut[k]!;
    rgba[i * 4 + 1] = lut[k + 1]!;
    rgba[i * 4 + 2] = lut[k + 2]!;
    rgba[i * 4 + 3] = keep === null || (keep[i] as number) >= 0.5 ? alpha : 0;
  }
  return rgba;
}

/** Share of the map's patches kept at `share` of the mass (shown next to the slider). */
export function keptFraction(map: ArrayLike<number>, share: number): number {
  if (map.length === 0) return 0;
  const keep = keepMass(map, share);
  let n = 0;
  for (const k of keep) n += k;
  return n / map.length;
}
