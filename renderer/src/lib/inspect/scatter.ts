/**
 * The embedding map's geometry, pure so it is tested without a DOM: data coordinates fitted to
 * the canvas ("base" pixels, y up), a zoom/pan transform on top (screen = base × zoom + offset),
 * a uniform-grid index for hit-testing under the cursor, box selection, and the raster of all
 * points into RGBA (78k points are a few milliseconds written as pixels; the canvas then only
 * blits that bitmap while the user pans and zooms, and rasterises again when they stop).
 */
import type { ViewTransform } from '../imaging/view-transform.js';

export type { ViewTransform };

export interface BasePoints {
  bx: Float32Array;
  by: Float32Array;
}

/** Fits the data's bounding box into width × height with `pad` pixels round it, same scale on both axes, y up. */
export function fitPoints(x: ArrayLike<number>, y: ArrayLike<number>, width: number, height: number, pad = 12): BasePoints {
  const n = x.length;
  if (n === 0) return { bx: new Float32Array(0), by: new Float32Array(0) };
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < n; i++) {
    x0 = Math.min(x0, x[i] as number);
    x1 = Math.max(x1, x[i] as number);
    y0 = Math.min(y0, y[i] as number);
    y1 = Math.max(y1, y[i] as number);
  }
  const spanX = x1 > x0 ? x1 - x0 : 1;
  const spanY = y1 > y0 ? y1 - y0 : 1;
  const scale = Math.max(1e-9, Math.min((width - 2 * pad) / spanX, (height - 2 * pad) / spanY));
  // Centred: the unused room is shared by both sides.
  const ox = (width - spanX * scale) / 2;
  const oy = (height - spanY * scale) / 2;
  const bx = new Float32Array(n);
  const by = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    bx[i] = ox + ((x[i] as number) - x0) * scale;
    by[i] = height - (oy + ((y[i] as number) - y0) * scale);
  }
  return { bx, by };
}

export const IDENTITY: ViewTransform = { zoom: 1, x: 0, y: 0 };

export function toScreen(t: ViewTransform, bx: number, by: number): [number, number] {
  return [bx * t.zoom + t.x, by * t.zoom + t.y];
}

export function toBase(t: ViewTransform, sx: number, sy: number): [number, number] {
  return [(sx - t.x) / t.zoom, (sy - t.y) / t.zoom];
}

/**
 * The transform that maps a bitmap rasterised under `drawn` to where it belongs under `now`
 * (what the canvas applies while blitting during a pan or zoom).
 */
export function relativeTransform(drawn: ViewTransform, now: ViewTransform): ViewTransform {
  const zoom = now.zoom / drawn.zoom;
  return { zoom, x: now.x - drawn.x * zoom, y: now.y - drawn.y * zoom };
}

/** A uniform grid over base coordinates: cell → point indices (counting sort, two flat arrays). */
export interface PointIndex {
  cell: number;
  cols: number;
  rows: number;
  /** starts[c] … starts[c + 1] index into `items`. */
  starts: Uint32Array;
  items: Uint32Array;
  points: BasePoints;
}

export function buildIndex(points: BasePoints, width: number, height: number, cell = 8): PointIndex {
  const cols = Math.max(1, Math.ceil(width / cell));
  const rows = Math.max(1, Math.ceil(height / cell));
  const n = points.bx.length;
  const cellOf = new Uint32Array(n);
  const counts = new Uint32Array(cols * rows + 1);
  for (let i = 0; i < n; i++) {
    const cx = Math.min(cols - 1, Math.max(0, Math.floor(points.bx[i]! / cell)));
    const cy = Math.min(rows - 1, Math.max(0, Math.floor(points.by[i]! / cell)));
    cellOf[i] = cy * cols + cx;
    counts[cellOf[i]! + 1]!++;
  }
  for (let c = 1; c < counts.length; c++) counts[c]! += counts[c - 1]!;
  const starts = counts.slice();
  const fill = counts.slice(0, cols * rows);
  const items = new Uint32Array(n);
  for (let i = 0; i < n; i++) items[fill[cellOf[i]!]!++] = i;
  return { cell, cols, rows, starts, items, points };
}

/** The point nearest the screen point within `radius` screen pixels (null if none); `visible` filters. */
export function nearestPoint(index: PointIndex, t: ViewTransform, sx: number, sy: number, radius = 6, visible?: (i: number) => boolean): number | null {
  const [qx, qy] = toBase(t, sx, sy);
  const r = radius / t.zoom;
  const { cell, cols, rows, starts, items, points } = index;
  const cx0 = Math.max(0, Math.floor((qx - r) / cell));
  const cx1 = Math.min(cols - 1, Math.floor((qx + r) / cell));
  const cy0 = Math.max(0, Math.floor((qy - r) / cell));
  const cy1 = Math.min(rows - 1, Math.floor((qy + r) / cell));
  let best: number | null = null;
  let bestD = r * r;
  for (let cy = cy0; cy <= cy1; cy++) {
    for (let cx = cx0; cx <= cx1; cx++) {
      const c = cy * cols + cx;
      for (let k = starts[c]!; k < starts[c + 1]!; k++) {
        const i = items[k]!;
        const dx = points.bx[i]! - qx;
        const dy = points.by[i]! - qy;
        const d = dx * dx + dy * dy;
        // Ties go to the point drawn last (on top), i.e. the higher index.
        if (d <= bestD && (visible === undefined || visible(i))) {
          bestD = d;
          best = i;
        }
      }
    }
  }
  return best;
}

/** Indices of the points inside the screen rectangle spanned by two corners (any order). */
export function pointsInBox(points: BasePoints, t: ViewTransform, a: readonly [number, number], b: readonly [number, number]): number[] {
  const [ax, ay] = toBase(t, a[0], a[1]);
  const [bx, by] = toBase(t, b[0], b[1]);
  const [x0, x1] = ax < bx ? [ax, bx] : [bx, ax];
  const [y0, y1] = ay < by ? [ay, by] : [by, ay];
  const out: number[] = [];
  for (let i = 0; i < points.bx.length; i++) {
    const x = points.bx[i]!;
    const y = points.by[i]!;
    if (x >= x0 && x <= x1 && y >= y0 && y <= y1) out.push(i);
  }
  return out;
}

/** Side of a point's square in device pixels: large for a few points, small for tens of thousands. */
export function pointSize(count: number, dpr = 1): number {
  const css = count <= 1000 ? 6 : count <= 10_000 ? 4 : 2;
  return Math.max(2, Math.round(css * dpr));
}

/**
 * All points as RGBA squares of `size` px (device pixels) under transform `t`, drawn in `order`
 * (later on top); `colours` holds RGB per category, `codes` the category of each point.
 * Selected points (when given) get a dark outline-free white centre so they stand out.
 */
export function rasterisePoints(
  points: BasePoints,
  t: ViewTransform,
  width: number,
  height: number,
  codes: Uint16Array,
  colours: Uint8ClampedArray,
  order: Uint32Array,
  size = 3,
  selected?: Uint8Array,
): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(width * height * 4);
  const half = Math.floor(size / 2);
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    const sx = Math.round(points.bx[i]! * t.zoom + t.x) - half;
    const sy = Math.round(points.by[i]! * t.zoom + t.y) - half;
    if (sx + size <= 0 || sy + size <= 0 || sx >= width || sy >= height) continue;
    const c = codes[i]! * 3;
    const sel = selected !== undefined && selected[i] === 1;
    const [r, g, b] = sel ? [17, 17, 17] : [colours[c]!, colours[c + 1]!, colours[c + 2]!];
    for (let y = Math.max(0, sy); y < Math.min(height, sy + size); y++) {
      let p = (y * width + Math.max(0, sx)) * 4;
      for (let x = Math.max(0, sx); x < Math.min(width, sx + size); x++, p += 4) {
        out[p] = r;
        out[p + 1] = g;
        out[p + 2] = b;
        out[p + 3] = 255;
      }
    }
  }
  return out;
}
