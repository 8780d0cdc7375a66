import { describe, expect, it } from 'vitest';
import { evaluateMultiLabel } from '../../../src-main/ml/metrics/index.js';
import { pairedMacroAurocDifference } from '../../../src-main/report/paired-bootstrap.js';

describe('pairedMacroAurocDifference', () => {
  // One label, four images of four patients: two positives, two negatives.
  const truth = [1, 1, 0, 0];
  const patients = [10, 11, 12, 13];

  it('gives the difference of the two macro AUROCs by hand: 1 − 0.5', () => {
    // A ranks both positives first: AUROC 1. B: positive 0.9 beats both negatives (2 pairs),
    // positive 0.1 beats none (0 pairs): 2 of 4 pairs, AUROC 0.5.
    const r = pairedMacroAurocDifference({ scoresA: [0.9, 0.8, 0.2, 0.1], scoresB: [0.9, 0.1, 0.8, 0.2], truth, patients, numLabels: 1 }, { resamples: 200, seed: 1 });
    expect(r.macroA).toBe(1);
    expect(r.macroB).toBe(0.5);
    expect(r.difference).toBe(0.5);
    expect(r.images).toBe(4);
    expect(r.patients).toBe(4);
    // A is perfect in every resample, so the difference is 1 − AUROC_B ≥ 0 in each one.
    expect(r.ci95![0]).toBeGreaterThanOrEqual(0);
    expect(r.ci95![1]).toBeLessThanOrEqual(1);
  });

  it('is significant when A beats B in every resample: perfect vs inverted ranking gives [1, 1]', () => {
    const r = pairedMacroAurocDifference({ scoresA: [0.9, 0.8, 0.2, 0.1], scoresB: [0.1, 0.2, 0.8, 0.9], truth, patients, numLabels: 1 }, { resamples: 300, seed: 0 });
    expect(r.difference).toBe(1);
    expect(r.ci95).toEqual([1, 1]);
    expect(r.significant).toBe(true);
  });

  it('is not significant for the same scores twice: the paired difference is exactly 0 in every resample', () => {
    const scores = [0.7, 0.3, 0.6, 0.2];
    const r = pairedMacroAurocDifference({ scoresA: scores, scoresB: scores, truth, patients, numLabels: 1 }, { resamples: 300, seed: 0 });
    expect(r.difference).toBe(0);
    expect(r.ci95).toEqual([0, 0]);
    expect(r.significant).toBe(false);
  });

  it('averages only the labels with both classes, as the stored macro AUROC does', () => {
    // Two labels; the second is positive on every known image (AUROC undefined) and unknown on one.
    const scoresA = [0.9, 0.5, 0.8, 0.5, 0.2, 0.5, 0.1, 0.5];
    const scoresB = [0.9, 0.4, 0.1, 0.3, 0.8, 0.2, 0.2, 0.1];
    const truth2 = [1, 1, 1, -1, 0, 1, 0, 1];
    const r = pairedMacroAurocDifference({ scoresA, scoresB, truth: truth2, patients, numLabels: 2 }, { resamples: 100 });
    expect(r.difference).toBe(0.5);
    const stored = evaluateMultiLabel({ scores: Float64Array.from(scoresA), truth: Int8Array.from(truth2), patients, labels: ['a', 'b'], thresholds: [0.5, 0.5] }, { resamples: 0 });
    expect(r.macroA).toBe(stored.macroAuroc);
  });

  it('is reproducible from its seed and resamples patients, not images', () => {
    // Two images per patient: the interval must be the same whichever order the images come in.
    const input = { scoresA: [0.9, 0.4, 0.7, 0.3, 0.6, 0.2, 0.8, 0.1], scoresB: [0.5, 0.6, 0.4, 0.5, 0.7, 0.1, 0.3, 0.2], truth: [1, 0, 1, 0, 1, 0, 1, 0], patients: [1, 1, 2, 2, 3, 3, 4, 4], numLabels: 1 };
    const a = pairedMacroAurocDifference(input, { resamples: 200, seed: 5 });
    const b = pairedMacroAurocDifference(input, { resamples: 200, seed: 5 });
    expect(a).toEqual(b);
    expect(a.patients).toBe(4);
    expect(a.resamples).toBe(200);
  });

  it('refuses mismatched shapes', () => {
    expect(() => pairedMacroAurocDifference({ scoresA: [0.1], scoresB: [0.1, 0.2], truth: [1], patients: [1], numLabels: 1 })).toThrow(/images × labels/);
  });
});
