/**
 * Metrics of one binary label, equal to scikit-learn's: `roc_auc_score`,
 * `average_precision_score`, and `f1_score` / `recall_score` (sensitivity, and the recall of
 * the negative class as specificity) with `zero_division=0`.
 *
 * Truth is 1 (present), 0 (absent) or -1 (unknown: the image was not graded for this label);
 * unknown entries are left out, as if the image did not exist for this label. A decision at a
 * threshold calls an entry positive when `score >= threshold`, as sklearn's curves do.
 */
import { MetricsInputError } from './errors.js';
import { rankEntries, rankingStats, thresholdCut } from './ranking.js';

export interface ConfusionCounts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export interface ThresholdMetrics {
  f1: number;
  sensitivity: number;
  specificity: number;
}

function rank(scores: ArrayLike<number>, truth: ArrayLike<number>) {
  if (scores.length !== truth.length) {
    throw new MetricsInputError(`scores and truth differ in length (${scores.length} vs ${truth.length})`);
  }
  return rankEntries(scores, truth, scores.length);
}

/** Area under the ROC curve (sklearn `roc_auc_score`); null when the known truth has one class only. */
export function rocAuc(scores: ArrayLike<number>, truth: ArrayLike<number>): number | null {
  return rankingStats(rank(scores, truth), null).auroc;
}

/** Average precision (sklearn `average_precision_score`): a step sum, not the interpolated area; null with one class only. */
export function averagePrecision(scores: ArrayLike<number>, truth: ArrayLike<number>): number | null {
  return rankingStats(rank(scores, truth), null).auprc;
}

/** Confusion counts of the decision `score >= threshold` over the known entries. */
export function confusionAt(scores: ArrayLike<number>, truth: ArrayLike<number>, threshold: number): ConfusionCounts {
  const r = rank(scores, truth);
  const { tp, fp, fn, tn } = rankingStats(r, null, thresholdCut(r, threshold));
  return { tp, fp, fn, tn };
}

/*
 * The *OfCounts functions return null for 0/0, which the bootstrap treats as "undefined in
 * this resample". The reported point values replace null by 0, as sklearn's zero_division=0.
 */

/** 2tp / (2tp + fp + fn): the harmonic mean of precision and recall; null with no positive in truth or prediction. */
export function f1OfCounts(c: ConfusionCounts): number | null {
  const d = 2 * c.tp + c.fp + c.fn;
  return d > 0 ? (2 * c.tp) / d : null;
}

/** tp / (tp + fn) (recall); null with no positive. */
export function sensitivityOfCounts(c: ConfusionCounts): number | null {
  const d = c.tp + c.fn;
  return d > 0 ? c.tp / d : null;
}

/** tn / (tn + fp) (the negatives' recall); null with no negative. */
export function specificityOfCounts(c: ConfusionCounts): number | null {
  const d = c.tn + c.fp;
  return d > 0 ? c.tn / d : null;
}

/** F1, sensitivity and specificity of `score >= threshold`, 0 where undefined (sklearn zero_division=0). */
export function thresholdMetrics(scores: ArrayLike<number>, truth: ArrayLike<number>, threshold: number): ThresholdMetrics {
  const c = confusionAt(scores, truth, threshold);
  return {
    f1: f1OfCounts(c) ?? 0,
    sensitivity: sensitivityOfCounts(c) ?? 0,
    specificity: specificityOfCounts(c) ?? 0,
  };
}
