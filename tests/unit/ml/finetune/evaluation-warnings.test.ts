import { describe, expect, it } from 'vitest';
import { evaluationWarnings } from '../../../../src-main/ml/finetune/evaluate-arm.js';
import { evaluateMultiLabel } from '../../../../src-main/ml/metrics/index.js';

describe('evaluation warnings', () => {
  const metrics = (patients: number[], truth: number[], labels = ['IRF']) =>
    evaluateMultiLabel({ scores: Float32Array.from(truth, (t, i) => (t === 1 ? 0.6 : 0.4) + i * 1e-3), truth: Int8Array.from(truth), patients, labels, thresholds: [0.5] }, { resamples: 20, seed: 0 });

  it('says when intervals over so few test patients mean nothing, and when a label has one class or few positives', () => {
    const few = evaluationWarnings(metrics([1, 1, 2, 2], [1, 0, 0, 1]));
    expect(few.some((w) => /only 2 patients/.test(w))).toBe(true);
    const oneClass = evaluationWarnings(metrics([1, 2, 3, 4, 5, 6], [0, 0, 0, 0, 0, 0]));
    expect(oneClass.some((w) => /IRF: the test split has only one class/.test(w))).toBe(true);
    const rare = evaluationWarnings(metrics([1, 2, 3, 4, 5, 6], [1, 0, 0, 0, 0, 0]));
    expect(rare).toEqual([expect.stringMatching(/IRF: only 1 positive test image;/)]);
    const fine = evaluationWarnings(metrics([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]));
    expect(fine).toEqual([]);
  });
});
