import { describe, expect, it } from 'vitest';
import { evaluateMultiLabel, evaluateSingleLabel } from '../../../../src-main/ml/metrics/evaluate.js';
import { MetricsInputError } from '../../../../src-main/ml/metrics/errors.js';
import type { BinaryLabelMetrics } from '../../../../src-main/ml/metrics/types.js';
import { expectClose, reference, type BinaryExpected, type MultiExpected } from './reference.js';

const multi = reference.multiLabel;
const L = multi.labels.length;

function expectLabel(actual: BinaryLabelMetrics, expected: BinaryExpected, what: string): void {
  expect(actual.n, `${what} n`).toBe(expected.n);
  expect(actual.positives, `${what} positives`).toBe(expected.positives);
  expectClose(actual.auroc, expected.auroc, `${what} auroc`);
  expectClose(actual.auprc, expected.auprc, `${what} auprc`);
  expectClose(actual.f1, expected.f1, `${what} f1`);
  expectClose(actual.sensitivity, expected.sensitivity, `${what} sensitivity`);
  expectClose(actual.specificity, expected.specificity, `${what} specificity`);
}

function expectMulti(patients: number[], scores: number[], truth: number[], expected: MultiExpected): void {
  const m = evaluateMultiLabel(
    { scores: Float64Array.from(scores), truth: Int8Array.from(truth), patients, labels: multi.labels, thresholds: multi.thresholds },
    { resamples: 0 },
  );
  m.perLabel.forEach((label, l) => {
    expect(label.label).toBe(multi.labels[l]);
    expect(label.threshold).toBe(multi.thresholds[l]);
    expectLabel(label, expected.perLabel[l]!, label.label);
  });
  expectClose(m.macroAuroc, expected.macroAuroc, 'macro AUROC');
  expectClose(m.macroAuprc, expected.macroAuprc, 'macro AP');
  expectClose(m.macroF1, expected.macroF1, 'macro F1');
  expectClose(m.microAuroc, expected.microAuroc, 'micro AUROC');
  expectClose(m.microAuprc, expected.microAuprc, 'micro AP');
  expectClose(m.microF1, expected.microF1, 'micro F1');
  expect(m.images).toBe(expected.images);
  expect(m.patients).toBe(expected.patients);
}

describe('evaluateMultiLabel against scikit-learn', () => {
  it('per label, macro and micro on the test set (one-class and never-graded labels included)', () => {
    expectMulti(multi.patients, multi.scores, multi.truth, multi.expected);
  });

  it('on patient resamples with duplicated images (ties from duplicates)', () => {
    for (const resample of multi.resamples) {
      const scores: number[] = [];
      const truth: number[] = [];
      const patients: number[] = [];
      for (const p of resample.patients) {
        multi.patients.forEach((q, i) => {
          if (q !== p) return;
          scores.push(...multi.scores.slice(i * L, (i + 1) * L));
          truth.push(...multi.truth.slice(i * L, (i + 1) * L));
          patients.push(p);
        });
      }
      expectMulti(patients, scores, truth, resample.expected);
    }
  });

  it('records the bootstrap it used and the AUROC interval as ci95', () => {
    const m = evaluateMultiLabel(
      { scores: Float64Array.from(multi.scores), truth: Int8Array.from(multi.truth), patients: multi.patients, labels: multi.labels, thresholds: multi.thresholds },
      { resamples: 50, seed: 3 },
    );
    expect(m.bootstrap).toEqual({ resamples: 50, seed: 3, unit: 'patient' });
    for (const label of m.perLabel) expect(label.ci95).toEqual(label.ci.auroc);
    expect(m.perLabel[4]!.n).toBe(0); // never graded: every metric undefined
    expect(m.perLabel[4]!.ci).toEqual({ auroc: null, auprc: null, f1: null, sensitivity: null, specificity: null });
  });

  it('refuses inputs of the wrong shape', () => {
    const base = { scores: new Float32Array(6), truth: new Int8Array(6), patients: [1, 2, 3], labels: ['a', 'b'], thresholds: [0.5, 0.5] };
    expect(() => evaluateMultiLabel({ ...base, scores: new Float32Array(5) })).toThrow(MetricsInputError);
    expect(() => evaluateMultiLabel({ ...base, thresholds: [0.5] })).toThrow(/thresholds/);
    expect(() => evaluateMultiLabel({ ...base, thresholds: [0.5, NaN] })).toThrow(/finite/);
    expect(() => evaluateMultiLabel({ ...base, truth: new Int8Array(6).fill(-1) })).toThrow(/nothing to evaluate/);
  });
});

describe('evaluateSingleLabel against scikit-learn', () => {
  for (const c of reference.singleLabel) {
    it(c.name, () => {
      const m = evaluateSingleLabel(
        { probabilities: Float64Array.from(c.probabilities), truth: Int32Array.from(c.truth), patients: c.patients, classes: c.classes },
        { resamples: 0 },
      );
      const e = c.expected;
      expectClose(m.accuracy, e.accuracy, 'accuracy_score');
      expectClose(m.balancedAccuracy, e.balancedAccuracy, 'balanced_accuracy_score');
      expect(m.confusion).toEqual(e.confusion);
      expectClose(m.macroAuroc, e.macroAuroc, "roc_auc_score(multi_class='ovr')");
      m.perLabel.forEach((label, k) => {
        expect(label.threshold).toBeNull();
        expectLabel(label, e.perLabel[k]!, label.label);
      });
      expect(m.images).toBe(e.images);
      expect(m.patients).toBe(e.patients);
      expect(m.classes).toEqual(c.classes);
    });
  }

  it('refuses a class index out of range, one class, and no known image', () => {
    const base = { probabilities: new Float64Array(4), truth: Int32Array.from([0, 1]), patients: [1, 2], classes: ['a', 'b'] };
    expect(() => evaluateSingleLabel({ ...base, truth: Int32Array.from([0, 2]) })).toThrow(/class index/);
    expect(() => evaluateSingleLabel({ ...base, probabilities: new Float64Array(2), classes: ['a'] })).toThrow(/at least 2 classes/);
    expect(() => evaluateSingleLabel({ ...base, truth: Int32Array.from([-1, -1]) })).toThrow(/nothing to evaluate/);
  });
});
