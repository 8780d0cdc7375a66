/**
 * Per-label decision thresholds, chosen on the VALIDATION predictions so that the test set's
 * F1, sensitivity and specificity are not tuned on the test set itself.
 *
 * The rule (the fixture script `tests/fixtures/ml/metrics/make-reference.py` applies the same):
 *   - candidates are the thresholds of sklearn 1.2's `roc_curve(drop_intermediate=False)`:
 *     max(score) + 1 (nothing positive), then every distinct known score, descending;
 *   - each is scored by Youden's J = sensitivity + specificity − 1 = tp/P − fp/N, compared
 *     exactly as the integer tp·N − fp·P (the float J can tie or not depending on rounding);
 *   - the largest J wins; among equal J the first candidate wins, i.e. the HIGHEST threshold
 *     (numpy `argmax` over roc_curve's order). So a validation set on which no threshold
 *     beats chance (best J = 0) yields max + 1: the label is never called present.
 *   - with no known positive or no known negative (or nothing known) J is undefined and the
 *     threshold is 0.5.
 * A chosen threshold is a validation score, so `score >= threshold` reproduces the
 * validation point exactly.
 */
import { MetricsInputError } from './errors.js';
import { rankEntries, type Ranking } from './ranking.js';

/** The threshold used when validation cannot choose one (a single class, or no known entry). */
export const FALLBACK_THRESHOLD = 0.5;

/** Youden-optimal threshold of one ranked label (see the module comment for the rule). */
export function youdenThreshold(r: Ranking): number {
  let positives = 0;
  for (let p = 0; p < r.positive.length; p++) positives += r.positive[p] as number;
  const negatives = r.positive.length - positives;
  if (positives === 0 || negatives === 0) return FALLBACK_THRESHOLD;
  let best = 0; // J of the first candidate, max + 1: tp = fp = 0
  let threshold = (r.score[0] as number) + 1;
  let tp = 0;
  let fp = 0;
  for (let p = 0; p < r.positive.length; p++) {
    if (r.positive[p] === 1) tp++;
    else fp++;
    if (r.runEnd[p] !== 1) continue; // a threshold lies only between distinct scores
    const j = tp * negatives - fp * positives;
    if (j > best) {
      best = j;
      threshold = r.score[p] as number;
    }
  }
  return threshold;
}

/** The threshold for one label's validation scores and truth (1, 0, -1 unknown). */
export function chooseThreshold(scores: ArrayLike<number>, truth: ArrayLike<number>): number {
  if (scores.length !== truth.length) {
    throw new MetricsInputError(`scores and truth differ in length (${scores.length} vs ${truth.length})`);
  }
  return youdenThreshold(rankEntries(scores, truth, scores.length));
}

/** One threshold per label from row-major [n·L] validation scores and truth. */
export function chooseThresholds(valScores: ArrayLike<number>, valTruth: ArrayLike<number>, numLabels: number): number[] {
  if (!Number.isInteger(numLabels) || numLabels < 1) throw new MetricsInputError(`numLabels must be a positive integer, got ${numLabels}`);
  if (valScores.length !== valTruth.length || valScores.length % numLabels !== 0) {
    throw new MetricsInputError(`validation scores (${valScores.length}) and truth (${valTruth.length}) must both hold n × ${numLabels} values`);
  }
  const n = valScores.length / numLabels;
  return Array.from({ length: numLabels }, (_, l) => youdenThreshold(rankEntries(valScores, valTruth, n, numLabels, l)));
}
