/**
 * What the multi-label and single-label evaluations share: the five per-label statistics,
 * laid out in a flat vector so the bootstrap can collect them, and their assembly into a
 * `BinaryLabelMetrics` record.
 */
import { f1OfCounts, sensitivityOfCounts, specificityOfCounts, type ConfusionCounts } from './binary.js';
import type { BinaryLabelMetrics, Interval } from './types.js';

/** auroc, auprc, f1, sensitivity, specificity: a label's slots in a statistics vector. */
export const STATS_PER_LABEL = 5;

/** null as NaN, the bootstrap's mark for "undefined in this resample". */
export function orNaN(v: number | null): number {
  return v ?? NaN;
}

/** Mean of the defined (non-NaN) values; NaN when none is defined. */
export function meanDefined(values: readonly number[]): number {
  let sum = 0;
  let count = 0;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    sum += v;
    count++;
  }
  return count > 0 ? sum / count : NaN;
}

/** Writes one label's five statistics at `offset` (NaN where undefined, e.g. F1 at 0/0). */
export function writeLabelStats(out: Float64Array, offset: number, auroc: number | null, auprc: number | null, counts: ConfusionCounts): void {
  out[offset] = orNaN(auroc);
  out[offset + 1] = orNaN(auprc);
  out[offset + 2] = orNaN(f1OfCounts(counts));
  out[offset + 3] = orNaN(sensitivityOfCounts(counts));
  out[offset + 4] = orNaN(specificityOfCounts(counts));
}

/** NaN back to null for the reported values. */
export function orNull(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}

/**
 * The record of one label from its point statistics (written by `writeLabelStats` at
 * `offset`) and the bootstrap intervals at the same slots. F1, sensitivity and specificity
 * that are 0/0 are reported as 0, as sklearn with zero_division=0.
 */
export function labelRecord(
  label: string,
  counts: { n: number; positives: number },
  threshold: number | null,
  point: Float64Array,
  intervals: Interval[],
  offset: number,
): BinaryLabelMetrics {
  const at = (k: number) => point[offset + k] as number;
  const ci = (k: number) => intervals[offset + k] ?? null;
  return {
    label,
    n: counts.n,
    positives: counts.positives,
    prevalence: counts.n > 0 ? counts.positives / counts.n : 0,
    auroc: orNull(at(0)),
    auprc: orNull(at(1)),
    threshold,
    f1: orNull(at(2)) ?? 0,
    sensitivity: orNull(at(3)) ?? 0,
    specificity: orNull(at(4)) ?? 0,
    ci95: ci(0),
    ci: { auroc: ci(0), auprc: ci(1), f1: ci(2), sensitivity: ci(3), specificity: ci(4) },
  };
}
