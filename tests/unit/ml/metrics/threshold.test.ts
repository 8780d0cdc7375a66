import { describe, expect, it } from 'vitest';
import { chooseThreshold, chooseThresholds, FALLBACK_THRESHOLD } from '../../../../src-main/ml/metrics/threshold.js';
import { reference } from './reference.js';

describe('Youden threshold against the fixture (same rule, counts from sklearn roc_curve thresholds)', () => {
  for (const c of reference.binary) {
    it(c.name, () => {
      expect(chooseThreshold(Float64Array.from(c.scores), Int8Array.from(c.truth))).toBe(c.youden);
    });
  }

  it('one threshold per label of a row-major validation matrix', () => {
    const m = reference.multiLabel;
    expect(chooseThresholds(Float64Array.from(m.valScores), Int8Array.from(m.valTruth), m.labels.length)).toEqual(m.thresholds);
  });
});

describe('Youden threshold rule', () => {
  it('among equal J takes the highest threshold', () => {
    // J = 1/2 at 0.8 (tp 1, fp 0) and at 0.4 (tp 2, fp 1): the first, higher one wins.
    expect(chooseThreshold([0.8, 0.6, 0.4, 0.2], [1, 0, 1, 0])).toBe(0.8);
  });

  it('is max + 1 (nothing positive) when no threshold beats chance', () => {
    expect(chooseThreshold([0.9, 0.1], [0, 1])).toBe(1.9);
  });

  it('falls back to 0.5 with one class or nothing known', () => {
    expect(chooseThreshold([0.2, 0.7], [0, 0])).toBe(FALLBACK_THRESHOLD);
    expect(chooseThreshold([0.2, 0.7], [-1, -1])).toBe(FALLBACK_THRESHOLD);
    expect(chooseThreshold([], [])).toBe(FALLBACK_THRESHOLD);
  });

  it('refuses a matrix whose length is not a multiple of the label count', () => {
    expect(() => chooseThresholds([0.1, 0.2, 0.3], [1, 0, 1], 2)).toThrow(/n × 2/);
  });
});
