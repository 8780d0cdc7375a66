/**
 * The scikit-learn reference values (tests/fixtures/ml/metrics/reference.json, written by
 * make-reference.py with Debian's sklearn 1.2.1), typed for the tests.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

export interface BinaryExpected {
  n: number;
  positives: number;
  auroc: number | null;
  auprc: number | null;
  f1: number;
  sensitivity: number;
  specificity: number;
}

export interface MultiExpected {
  perLabel: BinaryExpected[];
  macroAuroc: number | null;
  macroAuprc: number | null;
  macroF1: number | null;
  microAuroc: number | null;
  microAuprc: number | null;
  microF1: number;
  images: number;
  patients: number;
}

export interface Reference {
  versions: { sklearn: string; numpy: string };
  binary: { name: string; scores: number[]; truth: number[]; youden: number; at: (BinaryExpected & { threshold: number })[] }[];
  multiLabel: {
    labels: string[];
    valScores: number[];
    valTruth: number[];
    thresholds: number[];
    scores: number[];
    truth: number[];
    patients: number[];
    expected: MultiExpected;
    resamples: { patients: number[]; expected: MultiExpected }[];
  };
  singleLabel: {
    name: string;
    classes: string[];
    probabilities: number[];
    truth: number[];
    patients: number[];
    expected: {
      accuracy: number;
      balancedAccuracy: number;
      confusion: number[][];
      perLabel: BinaryExpected[];
      macroAuroc: number | null;
      images: number;
      patients: number;
    };
  }[];
  percentiles: { values: number[]; q: number[]; expected: number[] }[];
}

export const reference = JSON.parse(readFileSync(new URL('../../../fixtures/ml/metrics/reference.json', import.meta.url), 'utf8')) as Reference;

/** The fixture's tolerance: sklearn's float order differs from ours by a few ulps at most. */
export const TOLERANCE = 1e-9;

/** Equal within TOLERANCE, or both null. */
export function expectClose(actual: number | null, expected: number | null, what: string): void {
  if (expected === null) {
    expect(actual, what).toBeNull();
    return;
  }
  expect(actual, what).not.toBeNull();
  expect(Math.abs((actual as number) - expected), `${what}: ${actual} vs sklearn ${expected}`).toBeLessThanOrEqual(TOLERANCE);
}
