import { describe, expect, it } from 'vitest';
import { averagePrecision, confusionAt, rocAuc, thresholdMetrics } from '../../../../src-main/ml/metrics/binary.js';
import { MetricsInputError } from '../../../../src-main/ml/metrics/errors.js';
import { expectClose, reference } from './reference.js';

describe('binary metrics against scikit-learn', () => {
  it('the fixture was made by the sklearn the brief names', () => {
    expect(reference.versions.sklearn).toBe('1.2.1');
  });

  for (const c of reference.binary) {
    describe(c.name, () => {
      const scores = Float64Array.from(c.scores);
      const truth = Int8Array.from(c.truth);

      it('AUROC and average precision (null with one class)', () => {
        const expected = c.at[0]!;
        expectClose(rocAuc(scores, truth), expected.auroc, 'roc_auc_score');
        expectClose(averagePrecision(scores, truth), expected.auprc, 'average_precision_score');
      });

      it('F1, sensitivity and specificity at 0.5 and at the Youden threshold (score >= t is positive)', () => {
        for (const at of c.at) {
          const m = thresholdMetrics(scores, truth, at.threshold);
          expectClose(m.f1, at.f1, `f1_score @${at.threshold}`);
          expectClose(m.sensitivity, at.sensitivity, `recall_score @${at.threshold}`);
          expectClose(m.specificity, at.specificity, `recall_score(pos_label=0) @${at.threshold}`);
          const k = confusionAt(scores, truth, at.threshold);
          expect(k.tp + k.fp + k.fn + k.tn).toBe(at.n);
          expect(k.tp + k.fn).toBe(at.positives);
        }
      });
    });
  }
});

describe('binary metrics: inputs', () => {
  it('refuses mismatched lengths, non-finite scores and truth outside {1, 0, -1}', () => {
    expect(() => rocAuc([0.1, 0.2], [1])).toThrow(MetricsInputError);
    expect(() => rocAuc([0.1, NaN], [1, 0])).toThrow(/finite/);
    expect(() => averagePrecision([0.1, 0.2], [1, 2])).toThrow(/truth must be 1, 0 or -1/);
  });

  it('ignores the score of an unknown entry, even a non-finite one', () => {
    expect(rocAuc([0.9, NaN, 0.1], [1, -1, 0])).toBe(1);
  });
});
