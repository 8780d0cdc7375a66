/**
 * What the embedding map's points are coloured by: a label of a label set (present, absent,
 * uncertain, unknown), the latest classifier's prediction for a label (test images only), or the
 * patient, eye, visit or split of each image. Each colouring is a
 * category code per point, one colour per category and a legend; the draw order puts unknowns
 * first so the informative points are drawn on top of them.
 */
import type { ApiResult } from '../../../../src-main/api/types.js';

export type EmbeddingMap = NonNullable<ApiResult<'inspect.embeddingMap'>>;
export type Colouring = { kind: 'label' | 'prediction'; label: string } | { kind: 'patient' | 'eye' | 'visit' | 'subset' };

export interface LegendEntry {
  name: string;
  colour: string;
  count: number;
}

export interface PointColours {
  codes: Uint16Array;
  /** RGB per category code. */
  colours: Uint8ClampedArray;
  legend: LegendEntry[];
  /** Point indices in draw order (unknowns first). */
  order: Uint32Array;
}

const UNKNOWN: [number, number, number] = [190, 190, 190];
const LABEL_VALUES: { value: number | null; name: string; rgb: [number, number, number] }[] = [
  { value: null, name: 'unknown', rgb: UNKNOWN },
  { value: 0, name: 'absent', rgb: [47, 111, 191] },
  { value: 0.5, name: 'uncertain', rgb: [240, 160, 30] },
  { value: 1, name: 'present', rgb: [214, 39, 40] },
];
/** Tableau 10: distinct and readable on white. */
const PALETTE: [number, number, number][] = [
  [31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189],
  [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207],
];

/** Category i's colour: the palette, then golden-angle hues for many categories (hundreds of patients). */
export function categoryColour(i: number): [number, number, number] {
  if (i < PALETTE.length) return PALETTE[i]!;
  return hslToRgb((i * 137.508) % 360, 0.62, 0.5);
}

export function hslToRgb(h: number, s: number, l: number): [number, number, number] {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number): number => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

export const rgbCss = ([r, g, b]: readonly number[]): string => `rgb(${r}, ${g}, ${b})`;

function build(n: number, categoryOf: (i: number) => number, rgbs: [number, number, number][], names: string[], unknownCode: number | null): PointColours {
  const codes = new Uint16Array(n);
  const counts = new Array<number>(names.length).fill(0);
  for (let i = 0; i < n; i++) {
    codes[i] = categoryOf(i);
    counts[codes[i]!]!++;
  }
  const colours = new Uint8ClampedArray(rgbs.length * 3);
  rgbs.forEach((rgb, i) => colours.set(rgb, i * 3));
  const order = new Uint32Array(n);
  let k = 0;
  if (unknownCode !== null) for (let i = 0; i < n; i++) if (codes[i] === unknownCode) order[k++] = i;
  for (let i = 0; i < n; i++) if (codes[i] !== unknownCode) order[k++] = i;
  const legend = names.map((name, i) => ({ name, colour: rgbCss(rgbs[i]!), count: counts[i]! })).filter((e) => e.count > 0);
  return { codes, colours, legend, order };
}

/** Colours for `colouring` over `map` (a label the map does not carry colours everything unknown). */
export function colourPoints(map: EmbeddingMap, colouring: Colouring): PointColours {
  const n = map.imageIds.length;
  if (colouring.kind === 'label') {
    const values = map.labels.find((l) => l.name === colouring.label)?.values ?? [];
    const codeOf = (v: number | null | undefined): number => (v === 1 ? 3 : v === 0 ? 1 : v === 0.5 ? 2 : 0);
    return build(n, (i) => codeOf(values[i]), LABEL_VALUES.map((v) => v.rgb), LABEL_VALUES.map((v) => v.name), 0);
  }
  if (colouring.kind === 'prediction') {
    // Predicted present / absent at the classifier's validation threshold; unscored images unknown.
    const p = map.predictions?.labels.find((l) => l.name === colouring.label);
    const codeOf = (v: number | null | undefined): number => (v === null || v === undefined || !p ? 0 : v >= p.threshold ? 2 : 1);
    return build(n, (i) => codeOf(p?.values[i]), [UNKNOWN, [47, 111, 191], [214, 39, 40]], ['not scored (not a test image)', 'predicted absent', 'predicted present'], 0);
  }
  const column = map[colouring.kind];
  // Categories in a stable, readable order (natural sort: patient 2 before patient 10); unknown last in the legend.
  const names = [...new Set(column.filter((v): v is string => v !== null))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const codeOf = new Map(names.map((name, i) => [name, i]));
  const unknown = names.length;
  const rgbs = names.map((_, i) => categoryColour(i));
  return build(n, (i) => codeOf.get(column[i] ?? '') ?? unknown, [...rgbs, UNKNOWN], [...names, 'unknown'], unknown);
}

/** "patient P3 · OD · visit V1 · train · IRF present" for the hover card. */
export function pointFacts(map: EmbeddingMap, i: number): string[] {
  const facts = [
    map.patient[i] && `patient ${map.patient[i]}`,
    map.eye[i],
    map.visit[i] && `visit ${map.visit[i]}`,
    map.subset[i] && `${map.subset[i]} split`,
    ...map.labels.map((l) => {
      const v = l.values[i];
      return v === null || v === undefined ? null : `${l.name} ${v === 1 ? 'present' : v === 0 ? 'absent' : 'uncertain'}`;
    }),
  ];
  return facts.filter((f): f is string => Boolean(f));
}
