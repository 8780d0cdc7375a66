import { describe, expect, it } from 'vitest';
import { bootstrapIntervals, indexPatients, percentile, percentileInterval } from '../../../../src-main/ml/metrics/bootstrap.js';
import { evaluateMultiLabel, evaluateSingleLabel } from '../../../../src-main/ml/metrics/evaluate.js';
import type { BinaryLabelMetrics, Interval } from '../../../../src-main/ml/metrics/types.js';
import { createRng } from '../../../../src-main/random/rng.js';
import { expectClose, reference } from './reference.js';

describe('percentile (numpy linear) against numpy', () => {
  for (const [k, c] of reference.percentiles.entries()) {
    it(`list ${k} (${c.values.length} values)`, () => {
      const sorted = Float64Array.from(c.values).sort();
      c.q.forEach((q, j) => expectClose(percentile(sorted, q), c.expected[j]!, `percentile ${q}`));
    });
  }

  it('is null when more than half of the resamples are undefined, and skips the undefined ones', () => {
    expect(percentileInterval(Float64Array.from([NaN, NaN, 1]))).toBeNull();
    expect(percentileInterval(Float64Array.from([NaN, NaN, 1, 3]))).toEqual([1.05, 2.95]);
  });
});

/** One binary label: `perPatient` identical images for each patient, scores separating the classes. */
function dataset(patients: number, perPatient: number, options: { oneClass?: boolean; distinctPatients?: boolean } = {}) {
  const rng = createRng(11);
  const scores: number[] = [];
  const truth: number[] = [];
  const ids: number[] = [];
  for (let p = 0; p < patients; p++) {
    const t = options.oneClass ? 0 : rng.chance(0.4) ? 1 : 0;
    const s = 1 / (1 + Math.exp(-(1.5 * (t - 0.5) + rng.normal())));
    for (let k = 0; k < perPatient; k++) {
      scores.push(s);
      truth.push(t);
      ids.push(options.distinctPatients ? p * perPatient + k : p);
    }
  }
  return { scores: Float64Array.from(scores), truth: Int8Array.from(truth), patients: ids, labels: ['x'], thresholds: [0.5] };
}

const width = (i: Interval) => (i === null ? NaN : i[1] - i[0]);

describe('bootstrap over patients', () => {
  it('is deterministic for a seed and changes with it', () => {
    const data = dataset(80, 2);
    const a = evaluateMultiLabel(data, { resamples: 300, seed: 5 });
    expect(evaluateMultiLabel(data, { resamples: 300, seed: 5 })).toEqual(a);
    expect(evaluateMultiLabel(data, { resamples: 300, seed: 6 }).perLabel[0]!.ci95).not.toEqual(a.perLabel[0]!.ci95);
  });

  it('resamples patients: identical copies of a patient\'s image give the one-image-per-patient interval', () => {
    const one = evaluateMultiLabel(dataset(60, 1), { resamples: 400, seed: 1 });
    const three = evaluateMultiLabel(dataset(60, 3), { resamples: 400, seed: 1 });
    const a = one.perLabel[0]!;
    const b = three.perLabel[0]!;
    for (const key of ['auroc', 'auprc', 'f1', 'sensitivity', 'specificity'] as const) {
      expect(b[key]).toBeCloseTo(a[key] as number, 12);
      const [lo, hi] = b.ci[key]!;
      expect(lo).toBeCloseTo(a.ci[key]![0], 12);
      expect(hi).toBeCloseTo(a.ci[key]![1], 12);
    }
    // The same images as 180 independent patients would (wrongly) look far more certain.
    const asImages = evaluateMultiLabel(dataset(60, 3, { distinctPatients: true }), { resamples: 400, seed: 1 });
    expect(width(asImages.perLabel[0]!.ci95)).toBeLessThan(0.75 * width(a.ci95));
  });

  it('contains the point estimate on a reasonable case', () => {
    const m = evaluateMultiLabel(dataset(300, 2), { seed: 2 });
    const label = m.perLabel[0]!;
    for (const key of ['auroc', 'auprc', 'f1', 'sensitivity', 'specificity'] as const) {
      const ci = label.ci[key]!;
      expect(ci[0]).toBeLessThanOrEqual(label[key] as number);
      expect(ci[1]).toBeGreaterThanOrEqual(label[key] as number);
    }
    expect(m.ci.macroAuroc![0]).toBeLessThanOrEqual(m.macroAuroc!);
    expect(m.ci.macroAuroc![1]).toBeGreaterThanOrEqual(m.macroAuroc!);
  });

  it('is null for one-class data (AUROC, AP, sensitivity), defined for specificity', () => {
    const label = evaluateMultiLabel(dataset(50, 2, { oneClass: true }), { resamples: 200 }).perLabel[0]!;
    expect(label.auroc).toBeNull();
    expect(label.ci).toMatchObject({ auroc: null, auprc: null, sensitivity: null });
    expect(label.ci.specificity).not.toBeNull();
  });

  it('draws int(0, patients − 1) per patient from createRng(seed).fork("bootstrap"), patients numbered by first appearance', () => {
    const index = indexPatients([7, 7, 3, 9, 3], (i) => i !== 3);
    expect(Array.from(index.ofImage)).toEqual([0, 0, 1, -1, 1]);
    const seen: number[][] = [];
    bootstrapIntervals(index, 1, (w, out) => {
      seen.push(Array.from(w));
      out[0] = 0;
    }, { resamples: 2, seed: 9 });
    const rng = createRng(9).fork('bootstrap');
    for (const weights of seen) {
      const m = [0, 0];
      for (let k = 0; k < 2; k++) m[rng.int(0, 1)]! += 1;
      expect(weights).toEqual([m[0], m[0], m[1], 0, m[1]]);
    }
  });
});

/** Reproduces resample r's draws and returns each patient's image indices in draw order. */
function drawnImages(patients: number[], included: (i: number) => boolean, seed: number): number[] {
  const index = indexPatients(patients, included);
  const rng = createRng(seed).fork('bootstrap');
  const rows: number[] = [];
  for (let k = 0; k < index.count; k++) {
    const p = rng.int(0, index.count - 1);
    index.ofImage.forEach((q, i) => {
      if (q === p) rows.push(i);
    });
  }
  return rows;
}

/** With one resample every interval is [v, v], v the metric of that resample. */
function expectDegenerate(ci: Interval, point: number | null, what: string): void {
  if (ci === null) {
    // Undefined in the resample: the duplicated data reports null, or zero_division's 0.
    expect(point === null || point === 0, what).toBe(true);
    return;
  }
  expect(ci[0], what).toBe(ci[1]);
  expectClose(ci[0], point, what);
}

function expectLabelsDegenerate(withCi: BinaryLabelMetrics[], point: BinaryLabelMetrics[]): void {
  withCi.forEach((label, l) => {
    for (const key of ['auroc', 'auprc', 'f1', 'sensitivity', 'specificity'] as const) {
      expectDegenerate(label.ci[key], point[l]![key], `${label.label} ${key}`);
    }
  });
}

describe('a weighted resample equals the duplicated data', () => {
  it('multi-label (fixture case)', () => {
    const m = reference.multiLabel;
    const L = m.labels.length;
    const seed = 4;
    const rows = drawnImages(m.patients, (i) => m.truth.slice(i * L, (i + 1) * L).some((t) => t !== -1), seed);
    const pick = (a: number[]) => rows.flatMap((i) => a.slice(i * L, (i + 1) * L));
    const base = { labels: m.labels, thresholds: m.thresholds };
    const once = evaluateMultiLabel({ ...base, scores: Float64Array.from(m.scores), truth: Int8Array.from(m.truth), patients: m.patients }, { resamples: 1, seed });
    const expanded = evaluateMultiLabel(
      { ...base, scores: Float64Array.from(pick(m.scores)), truth: Int8Array.from(pick(m.truth)), patients: rows.map((i) => m.patients[i]!) },
      { resamples: 0 },
    );
    expectLabelsDegenerate(once.perLabel, expanded.perLabel);
    expectDegenerate(once.ci.macroAuroc, expanded.macroAuroc, 'macro AUROC');
    expectDegenerate(once.ci.microAuroc, expanded.microAuroc, 'micro AUROC');
    expectDegenerate(once.ci.macroAuprc, expanded.macroAuprc, 'macro AP');
    expectDegenerate(once.ci.macroF1, expanded.macroF1, 'macro F1');
    expect([once.ci.macroAuroc, once.ci.microAuroc, once.ci.macroAuprc, once.ci.macroF1]).not.toContain(null);
  });

  it('single-label (fixture cases)', () => {
    for (const c of reference.singleLabel) {
      const seed = 8;
      const rows = drawnImages(c.patients, (i) => c.truth[i] !== -1, seed);
      const C = c.classes.length;
      const once = evaluateSingleLabel(
        { probabilities: Float64Array.from(c.probabilities), truth: Int32Array.from(c.truth), patients: c.patients, classes: c.classes },
        { resamples: 1, seed },
      );
      const expanded = evaluateSingleLabel(
        {
          probabilities: Float64Array.from(rows.flatMap((i) => c.probabilities.slice(i * C, (i + 1) * C))),
          truth: Int32Array.from(rows.map((i) => c.truth[i]!)),
          patients: rows.map((i) => c.patients[i]!),
          classes: c.classes,
        },
        { resamples: 0 },
      );
      expectLabelsDegenerate(once.perLabel, expanded.perLabel);
      expectDegenerate(once.ci.accuracy, expanded.accuracy, `${c.name} accuracy`);
      expectDegenerate(once.ci.balancedAccuracy, expanded.balancedAccuracy, `${c.name} balanced accuracy`);
      expectDegenerate(once.ci.macroAuroc, expanded.macroAuroc, `${c.name} macro AUROC`);
      expect(once.ci.accuracy).not.toBeNull();
    }
  });
});
