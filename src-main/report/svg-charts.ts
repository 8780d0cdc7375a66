/**
 * The report's charts as inline SVG strings, drawn here on the server: the same markup is in the
 * HTML file and is what Chromium prints into the PDF (as vector paths and real text), so a chart
 * looks the same in both and needs no script. Line charts with axes, ticks and a legend; optional
 * vertical markers (DINO collapse warnings) and a shaded band per series (95 % intervals).
 */
import { escapeHtml } from './html-escape.js';

export interface ChartSeries {
  name: string;
  xs: readonly number[];
  ys: readonly (number | null)[];
  /** A shaded interval around the line (same xs); null where unknown. */
  band?: readonly ([number, number] | null)[];
  /** Draw each point as a dot too (few points, e.g. label budgets). */
  dots?: boolean;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly ChartSeries[];
  /** Vertical dashed lines at these x values, with one legend entry. */
  markers?: { xs: readonly number[]; label: string };
  /** Fixed y range (e.g. [0, 1] for AUROC); otherwise fitted to the data. */
  yRange?: [number, number];
  xLog?: boolean;
  /** Shift series i by (i − (n−1)/2)·dodge px so dots at the same x stay apart (arms at one budget). */
  dodge?: number;
  width?: number;
  height?: number;
}

/** Colour-blind-safe (Okabe–Ito) colours, in series order. */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];

/** About `count` round tick values covering [lo, hi] (1, 2 or 5 × 10^k steps). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi === lo) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag);
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function tickText(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 10000 || a < 0.001) return v.toExponential(0);
  return String(Number(v.toPrecision(4)));
}

const fmt = (v: number): string => v.toFixed(1);

export function lineChart(o: LineChartOptions): string {
  const width = o.width ?? 640;
  const height = o.height ?? 300;
  const m = { left: 58, right: 16, top: 30, bottom: 46 };
  const legendRows = Math.ceil((o.series.length + (o.markers && o.markers.xs.length > 0 ? 1 : 0)) / 4);
  const plotH = height - m.top - m.bottom - legendRows * 16;
  const plotW = width - m.left - m.right;

  const xs = o.series.flatMap((s) => s.xs.filter((x) => Number.isFinite(x) && (!o.xLog || x > 0)));
  const ys = o.series.flatMap((s) => [...s.ys.filter((y): y is number => y !== null && Number.isFinite(y)), ...(s.band ?? []).flatMap((b) => b ?? [])]);
  const hasData = xs.length > 0 && ys.length > 0;
  const tx = (x: number): number => (o.xLog ? Math.log10(x) : x);
  let [x0, x1] = hasData ? [Math.min(...xs.map(tx)), Math.max(...xs.map(tx))] : [0, 1];
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  let [y0, y1] = o.yRange ?? (hasData ? [Math.min(...ys), Math.max(...ys)] : [0, 1]);
  if (y0 === y1) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  if (!o.yRange) {
    const pad = (y1 - y0) * 0.05;
    [y0, y1] = [y0 - pad, y1 + pad];
  }
  const axisX = (x: number): number => m.left + ((tx(x) - x0) / (x1 - x0)) * plotW;
  const py = (y: number): number => m.top + (1 - (y - y0) / (y1 - y0)) * plotH;

  const parts: string[] = [];
  parts.push(`<text x="${width / 2}" y="18" text-anchor="middle" class="chart-title">${escapeHtml(o.title)}</text>`);
  // Axes with ticks and grid lines.
  const yTicks = niceTicks(y0, y1, 5).filter((v) => v >= y0 && v <= y1);
  for (const v of yTicks) {
    parts.push(`<line x1="${m.left}" x2="${m.left + plotW}" y1="${fmt(py(v))}" y2="${fmt(py(v))}" class="grid"/>`);
    parts.push(`<text x="${m.left - 6}" y="${fmt(py(v) + 4)}" text-anchor="end" class="tick">${tickText(v)}</text>`);
  }
  const xTickValues = o.xLog ? niceTicks(x0, x1, 4).map((e) => 10 ** e).filter((v) => Number.isInteger(Math.log10(v))) : niceTicks(x0, x1, 6);
  const xTicks = (xTickValues.length >= 2 ? xTickValues : [...new Set(xs)]).filter((v) => tx(v) >= x0 - 1e-9 && tx(v) <= x1 + 1e-9);
  for (const v of xTicks) {
    parts.push(`<line x1="${fmt(axisX(v))}" x2="${fmt(axisX(v))}" y1="${m.top + plotH}" y2="${m.top + plotH + 4}" class="axis"/>`);
    parts.push(`<text x="${fmt(axisX(v))}" y="${m.top + plotH + 16}" text-anchor="middle" class="tick">${tickText(v)}</text>`);
  }
  parts.push(`<line x1="${m.left}" x2="${m.left + plotW}" y1="${m.top + plotH}" y2="${m.top + plotH}" class="axis"/>`);
  parts.push(`<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${m.top + plotH}" class="axis"/>`);
  parts.push(`<text x="${m.left + plotW / 2}" y="${m.top + plotH + 34}" text-anchor="middle" class="axis-label">${escapeHtml(o.xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${m.top + plotH / 2}) rotate(-90)" text-anchor="middle" class="axis-label">${escapeHtml(o.yLabel)}</text>`);
  if (!hasData) parts.push(`<text x="${m.left + plotW / 2}" y="${m.top + plotH / 2}" text-anchor="middle" class="tick">no data</text>`);

  if (hasData && o.markers) {
    for (const x of o.markers.xs) parts.push(`<line x1="${fmt(axisX(x))}" x2="${fmt(axisX(x))}" y1="${m.top}" y2="${m.top + plotH}" class="marker"/>`);
  }
  o.series.forEach((s, i) => {
    const colour = PALETTE[i % PALETTE.length];
    const shift = (o.dodge ?? 0) * (i - (o.series.length - 1) / 2);
    const px = (x: number): number => axisX(x) + shift;
    const points = s.xs.map((x, k) => [x, s.ys[k] ?? null] as const).filter(([x, y]) => y !== null && Number.isFinite(y) && (!o.xLog || x > 0)) as [number, number][];
    if (s.band) {
      const band = s.xs.map((x, k) => [x, s.band![k] ?? null] as const).filter(([x, b]) => b !== null && (!o.xLog || x > 0)) as [number, [number, number]][];
      if (band.length > 0) {
        const d = [...band.map(([x, b]) => `${fmt(px(x))},${fmt(py(b[1]))}`), ...band.reverse().map(([x, b]) => `${fmt(px(x))},${fmt(py(b[0]))}`)].join(' ');
        parts.push(`<polygon points="${d}" fill="${colour}" fill-opacity="0.15" stroke="none"/>`);
      }
    }
    if (points.length > 0) parts.push(`<polyline points="${points.map(([x, y]) => `${fmt(px(x))},${fmt(py(y))}`).join(' ')}" fill="none" stroke="${colour}" stroke-width="1.6"/>`);
    if (s.dots || points.length === 1) {
      // Each dot with its interval as a whisker: a band of one point would be invisible.
      s.xs.forEach((x, k) => {
        const b = s.band?.[k];
        if (b && (!o.xLog || x > 0)) parts.push(`<line x1="${fmt(px(x))}" x2="${fmt(px(x))}" y1="${fmt(py(b[0]))}" y2="${fmt(py(b[1]))}" stroke="${colour}" stroke-width="1.2"/>`);
      });
      for (const [x, y] of points) parts.push(`<circle cx="${fmt(px(x))}" cy="${fmt(py(y))}" r="3" fill="${colour}"/>`);
    }
  });

  // Legend under the axis title, four entries a row.
  const entries: { label: string; swatch: string }[] = o.series.map((s, i) => ({ label: s.name, swatch: `<rect width="14" height="3" y="-4" fill="${PALETTE[i % PALETTE.length]}"/>` }));
  if (o.markers && o.markers.xs.length > 0) entries.push({ label: `${o.markers.label} (${o.markers.xs.length})`, swatch: '<line x1="7" x2="7" y1="-9" y2="3" class="marker"/>' });
  const colW = plotW / 4;
  entries.forEach((e, i) => {
    const x = m.left + (i % 4) * colW;
    const y = height - legendRows * 16 + Math.floor(i / 4) * 16 + 6;
    parts.push(`<g transform="translate(${fmt(x)} ${y})">${e.swatch}<text x="18" y="0" class="legend">${escapeHtml(e.label)}</text></g>`);
  });
  return `<svg class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(o.title)}">${parts.join('')}</svg>`;
}
