import { describe, it, expect } from 'vitest';
import {
  describeBscanLayers,
  renderSyntheticBscan,
} from '../../../src-main/demo/synthetic-oct.js';
import type { BscanSpec, GrayImage } from '../../../src-main/demo/synthetic-oct.js';

const BASE: BscanSpec = { seed: 1234, sliceIndex: 4, slicesPerVolume: 9, eye: 'OD', severity: 0.8 };
const healthy = renderSyntheticBscan(BASE);
const layers = describeBscanLayers(BASE);
const with_ = (biomarkers: BscanSpec['biomarkers']): BscanSpec => ({ ...BASE, biomarkers });

const px = (img: GrayImage, x: number, y: number): number => img.pixels[y * img.width + x] as number;
const at = (a: Float32Array, x: number): number => a[x] as number;

/** Mean over columns [x0, x1) of the rows between two per-column boundaries. */
function bandMean(img: GrayImage, top: (x: number) => number, bottom: (x: number) => number, x0: number, x1: number): number {
  let sum = 0;
  let n = 0;
  for (let x = x0; x < x1; x++) {
    for (let y = Math.ceil(top(x)); y < Math.floor(bottom(x)); y++) {
      sum += px(img, x, y);
      n++;
    }
  }
  return sum / n;
}

/** Column profile averaged over 3 rows and 7 columns, to see layers through the speckle. */
function smoothedColumn(img: GrayImage, x: number): Float64Array {
  const out = new Float64Array(img.height);
  const x0 = Math.max(0, x - 3);
  const x1 = Math.min(img.width - 1, x + 3);
  for (let y = 1; y < img.height - 1; y++) {
    let s = 0;
    for (let xx = x0; xx <= x1; xx++) for (let dy = -1; dy <= 1; dy++) s += px(img, xx, y + dy);
    out[y] = s / (3 * (x1 - x0 + 1));
  }
  return out;
}

/**
 * Retina boundaries measured from pixels alone: the ILM is the first row brighter than 55, the
 * RPE the brightest row at least 25 rows below it (skipping the bright nerve fibre layer).
 */
function measuredThickness(img: GrayImage, x: number): { ilm: number; rpe: number } {
  const col = smoothedColumn(img, x);
  let ilm = 0;
  while (ilm < img.height && (col[ilm] as number) < 55) ilm++;
  const from = ilm + Math.round((25 * img.height) / 496);
  let rpe = from;
  for (let y = from; y < Math.min(img.height, ilm + 260); y++) if ((col[y] as number) > (col[rpe] as number)) rpe = y;
  return { ilm, rpe };
}

function meanThickness(img: GrayImage, x0: number, x1: number): number {
  let s = 0;
  for (let x = x0; x < x1; x += 2) {
    const m = measuredThickness(img, x);
    s += m.rpe - m.ilm;
  }
  return s / Math.ceil((x1 - x0) / 2);
}

describe('renderSyntheticBscan', () => {
  it('is deterministic and defaults to the OLIVES size', () => {
    const again = renderSyntheticBscan(BASE);
    expect(healthy.width).toBe(504);
    expect(healthy.height).toBe(496);
    expect(healthy.pixels).toBeInstanceOf(Uint8Array);
    expect(healthy.pixels.length).toBe(504 * 496);
    expect(Buffer.from(again.pixels).equals(Buffer.from(healthy.pixels))).toBe(true);
    const other = renderSyntheticBscan({ ...BASE, seed: 1235 });
    expect(Buffer.from(other.pixels).equals(Buffer.from(healthy.pixels))).toBe(false);
  });

  it('honours a custom size', () => {
    const small = renderSyntheticBscan({ ...BASE, width: 128, height: 124 });
    expect(small.pixels.length).toBe(128 * 124);
    expect(measuredThickness(small, 64).rpe).toBeGreaterThan(measuredThickness(small, 64).ilm);
  });

  it('rejects impossible specs with a message that names the field', () => {
    expect(() => renderSyntheticBscan({ ...BASE, sliceIndex: 9 })).toThrow(/sliceIndex/);
    expect(() => renderSyntheticBscan({ ...BASE, width: 10 })).toThrow(/width/);
    expect(() => renderSyntheticBscan({ ...BASE, severity: 2 })).toThrow(/severity/);
  });

  it('has dark vitreous above a brighter retina and a bright RPE band', () => {
    const top = bandMean(healthy, () => 0, () => 40, 0, 504);
    const retina = bandMean(healthy, (x) => at(layers.ilm, x), (x) => at(layers.bm, x), 0, 504);
    const rpe = bandMean(healthy, (x) => at(layers.rpe, x) - 2, (x) => at(layers.rpe, x) + 2, 0, 504);
    expect(top).toBeLessThan(15);
    expect(retina).toBeGreaterThan(60);
    expect(rpe).toBeGreaterThan(retina * 1.5);
  });

  it('draws the layers where describeBscanLayers says they are', () => {
    for (const x of [60, 150, 252, 350, 450]) {
      const m = measuredThickness(healthy, x);
      expect(Math.abs(m.ilm - at(layers.ilm, x))).toBeLessThan(5);
      expect(Math.abs(m.rpe - at(layers.rpe, x))).toBeLessThan(6);
    }
  });

  it('has a foveal pit in the central slice that flattens towards the volume edge', () => {
    const centre = meanThickness(healthy, 240, 264);
    const parafovea = meanThickness(healthy, 120, 144);
    expect(centre).toBeLessThan(parafovea * 0.85);
    const edge = renderSyntheticBscan({ ...BASE, sliceIndex: 0 });
    expect(meanThickness(edge, 240, 264)).toBeGreaterThan(centre * 1.15);
  });

  it('mirrors the anatomy for a left eye, with the thicker nerve fibre layer on the disc side', () => {
    const os = renderSyntheticBscan({ ...BASE, eye: 'OS' });
    for (const [x, y] of [[10, 300], [200, 250], [400, 260]] as const) {
      expect(px(os, 503 - x, y)).toBe(px(healthy, x, y));
    }
    const t = (x: number): number => at(layers.bm, x) - at(layers.ilm, x);
    // OD in fundus orientation: the optic disc (nasal) is to the right of the fovea.
    expect(t(252 + 110)).toBeGreaterThan(t(252 - 110) + 3);
  });

  it('keeps each biomarker off the images that do not have it', () => {
    const none = renderSyntheticBscan(with_({ irf: false, irhrf: false, drtme: false, ezDisruption: false, ped: false }));
    expect(Buffer.from(none.pixels).equals(Buffer.from(healthy.pixels))).toBe(true);
  });
});

describe.each([1234, 99, 20221])('biomarkers (seed %i)', (seed) => {
  const spec: BscanSpec = { ...BASE, seed, volumeSeed: seed * 7 + 1 };
  const healthy = renderSyntheticBscan(spec);
  const layers = describeBscanLayers(spec);
  const withB = (biomarkers: BscanSpec['biomarkers']): BscanSpec => ({ ...spec, biomarkers });

  it('irf: dark fluid pockets lower the mean intensity inside the retina', () => {
    const img = renderSyntheticBscan(withB({ irf: true }));
    const l = describeBscanLayers(withB({ irf: true }));
    const inside = (im: GrayImage, ll: typeof l): number =>
      bandMean(im, (x) => at(ll.ilm, x) + 4, (x) => at(ll.ez, x) - 3, 150, 354);
    expect(inside(img, l)).toBeLessThan(inside(healthy, layers) * 0.96);
    // Cyst lumens are nearly black, darker than any healthy layer.
    const black = (im: GrayImage, ll: typeof l): number => {
      let n = 0;
      for (let x = 0; x < 504; x++) {
        for (let y = Math.ceil(at(ll.ilm, x) + 4); y < at(ll.ez, x) - 3; y++) if (px(im, x, y) < 12) n++;
      }
      return n;
    };
    expect(black(img, l)).toBeGreaterThan(2 * black(healthy, layers) + 200);
  });

  it('irhrf: adds bright outliers in the dark nuclear layers', () => {
    const img = renderSyntheticBscan(withB({ irhrf: true }));
    const bright = (im: GrayImage): number => {
      let n = 0;
      for (let x = 0; x < 504; x++) {
        const top = at(layers.ilm, x) + 0.35 * (at(layers.ez, x) - at(layers.ilm, x));
        for (let y = Math.ceil(top); y < at(layers.ez, x) - 6; y++) if (px(im, x, y) > 235) n++;
      }
      return n;
    };
    expect(bright(img)).toBeGreaterThan(bright(healthy) + 40);
  });

  it('drtme: thickens the retina measurably', () => {
    const img = renderSyntheticBscan(withB({ drtme: true }));
    expect(meanThickness(img, 200, 304)).toBeGreaterThan(meanThickness(healthy, 200, 304) * 1.3);
    const l = describeBscanLayers(withB({ drtme: true }));
    expect(l.cstUm).toBeGreaterThan(layers.cstUm + 80);
  });

  it('ezDisruption: breaks the EZ line and changes nothing else', () => {
    const img = renderSyntheticBscan(withB({ ezDisruption: true }));
    const l = describeBscanLayers(withB({ ezDisruption: true }));
    expect(Array.from(l.ez)).toEqual(Array.from(layers.ez));
    let minRatio = Infinity;
    for (let x0 = 100; x0 < 390; x0 += 4) {
      const band = (im: GrayImage): number =>
        bandMean(im, (x) => at(layers.ez, x) - 1, (x) => at(layers.ez, x) + 2, x0, x0 + 12);
      minRatio = Math.min(minRatio, band(img) / band(healthy));
    }
    expect(minRatio).toBeLessThan(0.5);
    for (let x = 0; x < 504; x++) {
      for (let y = 0; y < 496; y++) {
        if (px(img, x, y) !== px(healthy, x, y)) {
          expect(Math.abs(y - at(layers.ez, x))).toBeLessThan(6);
        }
      }
    }
  });

  it('ped: raises the RPE in a dome above Bruch\'s membrane', () => {
    const spec = withB({ ped: true });
    const img = renderSyntheticBscan(spec);
    const l = describeBscanLayers(spec);
    let peak = 0;
    for (let x = 0; x < 504; x++) if (at(l.bm, x) - at(l.rpe, x) > at(l.bm, peak) - at(l.rpe, peak)) peak = x;
    expect(at(l.bm, peak) - at(l.rpe, peak)).toBeGreaterThan(15);
    expect(at(l.bm, peak)).toBeCloseTo(at(layers.bm, peak), 3);
    const rpeRow = (im: GrayImage): number => {
      let s = 0;
      for (let x = peak - 4; x <= peak + 4; x++) s += measuredThickness(im, x).rpe;
      return s / 9;
    };
    expect(rpeRow(img)).toBeLessThan(rpeRow(healthy) - 10);
  });
});
