/**
 * Attention maps drawn over the B-scan: each map upsampled (bilinear, patch centres) to the
 * scan's full resolution, coloured with a perceptual colour map, blended at `opacity`, and —
 * with a mass threshold — shown only where the kept patches are (the reference's thresholded
 * maps). Panels: one per head, then the mean, four to a row, as one PNG.
 */
import sharp from 'sharp';
import { keepMass, type AttentionMaps } from './attention.js';

export type ColourMap = 'inferno' | 'viridis' | 'jet';

/** A few anchor colours per map, interpolated linearly (close enough for display). */
const ANCHORS: Record<ColourMap, [number, number, number][]> = {
  inferno: [[0, 0, 4], [87, 16, 110], [188, 55, 84], [249, 142, 9], [252, 255, 164]],
  viridis: [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]],
  jet: [[0, 0, 131], [0, 60, 255], [5, 255, 250], [255, 235, 0], [128, 0, 0]],
};

export function colourOf(map: ColourMap, t: number): [number, number, number] {
  const a = ANCHORS[map];
  const x = Math.min(1, Math.max(0, t)) * (a.length - 1);
  const i = Math.min(a.length - 2, Math.floor(x));
  const f = x - i;
  const [p, q] = [a[i]!, a[i + 1]!];
  return [p[0] + f * (q[0] - p[0]), p[1] + f * (q[1] - p[1]), p[2] + f * (q[2] - p[2])];
}

/** A gh × gw grid sampled bilinearly at every pixel of a width × height image (patch centres). */
export function upsample(grid: ArrayLike<number>, gh: number, gw: number, width: number, height: number): Float32Array {
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const gy = Math.min(gh - 1, Math.max(0, ((y + 0.5) / height) * gh - 0.5));
    const y0 = Math.floor(gy);
    const y1 = Math.min(gh - 1, y0 + 1);
    const fy = gy - y0;
    for (let x = 0; x < width; x++) {
      const gx = Math.min(gw - 1, Math.max(0, ((x + 0.5) / width) * gw - 0.5));
      const x0 = Math.floor(gx);
      const x1 = Math.min(gw - 1, x0 + 1);
      const fx = gx - x0;
      const top = (grid[y0 * gw + x0] as number) * (1 - fx) + (grid[y0 * gw + x1] as number) * fx;
      const bottom = (grid[y1 * gw + x0] as number) * (1 - fx) + (grid[y1 * gw + x1] as number) * fx;
      out[y * width + x] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}

export interface OverlayOptions {
  /** Share of each map's mass to show (0–1); null shows the whole map. */
  threshold: number | null;
  opacity: number;
  colourMap: ColourMap;
}

/** One panel: the scan (8-bit, width × height) with one map over it, as RGB. */
export function overlayPanel(scan: Uint8Array, width: number, height: number, map: ArrayLike<number>, grid: [number, number], o: OverlayOptions): Uint8Array {
  const [gh, gw] = grid;
  const up = upsample(map, gh, gw, width, height);
  const keep = o.threshold === null ? null : upsample(keepMass(map, o.threshold), gh, gw, width, height);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < map.length; i++) {
    lo = Math.min(lo, map[i] as number);
    hi = Math.max(hi, map[i] as number);
  }
  const span = hi > lo ? hi - lo : 1;
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const g = scan[i] as number;
    // Nearest-patch mask edges would look blocky; a soft edge at half the bilinear mask reads better.
    const alpha = o.opacity * (keep === null ? 1 : (keep[i] as number) >= 0.5 ? 1 : 0);
    const [r, gg, b] = colourOf(o.colourMap, ((up[i] as number) - lo) / span);
    rgb[i * 3] = Math.round(g * (1 - alpha) + r * alpha);
    rgb[i * 3 + 1] = Math.round(g * (1 - alpha) + gg * alpha);
    rgb[i * 3 + 2] = Math.round(g * (1 - alpha) + b * alpha);
  }
  return rgb;
}

/** Every head and the mean, four panels to a row, as a PNG. */
export async function overlayPng(scan: Uint8Array, width: number, height: number, maps: AttentionMaps, o: OverlayOptions): Promise<Buffer> {
  const n = maps.grid[0] * maps.grid[1];
  const panels = [...Array.from({ length: maps.heads }, (_, h) => maps.maps.subarray(h * n, (h + 1) * n)), maps.mean];
  const perRow = Math.min(4, panels.length);
  const rows = Math.ceil(panels.length / perRow);
  const W = width * perRow;
  const out = new Uint8Array(W * height * rows * 3);
  panels.forEach((map, k) => {
    const rgb = overlayPanel(scan, width, height, map, maps.grid, o);
    const [px, py] = [(k % perRow) * width, Math.floor(k / perRow) * height];
    for (let y = 0; y < height; y++) out.set(rgb.subarray(y * width * 3, (y + 1) * width * 3), ((py + y) * W + px) * 3);
  });
  return sharp(out, { raw: { width: W, height: height * rows, channels: 3 } }).png().toBuffer();
}
