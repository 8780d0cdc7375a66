/**
 * The ranking behind AUROC and average precision, computed the way scikit-learn's
 * `_binary_clf_curve` does: entries sorted by descending score, and every run of *equal*
 * scores treated as one threshold (one step of the curve), so ties are neither broken nor
 * ordered.
 *
 * Why a separate, weighted form: the bootstrap resamples patients with replacement, which
 * duplicates their images. A duplicated image only multiplies its counts, so a resample's
 * AUROC and AP are the weighted metrics of the original entries with integer weights (the
 * multiplicity of each image). The entries are sorted once; each resample is then one O(n)
 * pass over the sorted order. With weights all 1 the same pass gives the point estimate, so
 * the estimate and its interval cannot disagree on how ties are handled.
 */
import { MetricsInputError } from './errors.js';

/** Known entries of one binary problem, sorted by descending score, ties grouped. */
export interface Ranking {
  /** Which weight applies to each sorted entry (an image index, or any caller index). */
  readonly weightIndex: Int32Array;
  /** 1 where the sorted entry is positive, 0 where negative. */
  readonly positive: Uint8Array;
  /** The sorted scores (descending). */
  readonly score: Float64Array;
  /** 1 on the last entry of each run of equal scores (a flag, not a list of ends: the hot loop stays flat). */
  readonly runEnd: Uint8Array;
}

/**
 * Sorts the entries with a known truth (1 or 0; -1 is unknown and left out). `scores[k]` and
 * `truth[k]` for the entries k = offset + j·stride, j < count; `weightIndex(j)` says which
 * weight the entry takes (by default j, i.e. the image index of a column of a row-major
 * [n·L] matrix).
 */
export function rankEntries(
  scores: ArrayLike<number>,
  truth: ArrayLike<number>,
  count: number,
  stride = 1,
  offset = 0,
  weightIndex: (j: number) => number = (j) => j,
): Ranking {
  const entries: number[] = [];
  for (let j = 0; j < count; j++) {
    const k = offset + j * stride;
    const t = truth[k];
    if (t === -1) continue;
    if (t !== 0 && t !== 1) throw new MetricsInputError(`truth must be 1, 0 or -1 (unknown), got ${String(t)} at entry ${k}`);
    const s = scores[k];
    if (s === undefined || !Number.isFinite(s)) throw new MetricsInputError(`score at entry ${k} is ${String(s)}; scores must be finite`);
    entries.push(j);
  }
  const scoreOf = (j: number): number => scores[offset + j * stride] as number;
  // Stable like sklearn's mergesort; the order inside a run of equal scores does not matter anyway.
  entries.sort((a, b) => scoreOf(b) - scoreOf(a));
  const n = entries.length;
  const out = {
    weightIndex: new Int32Array(n),
    positive: new Uint8Array(n),
    score: new Float64Array(n),
    runEnd: new Uint8Array(n),
  };
  for (let p = 0; p < n; p++) {
    const j = entries[p] as number;
    out.weightIndex[p] = weightIndex(j);
    out.positive[p] = truth[offset + j * stride] as number;
    out.score[p] = scoreOf(j);
    if (p > 0 && out.score[p] !== out.score[p - 1]) out.runEnd[p - 1] = 1;
  }
  if (n > 0) out.runEnd[n - 1] = 1;
  return out;
}

/** A ranking's metrics under given weights; counts are weighted sums. */
export interface RankingStats {
  positives: number;
  negatives: number;
  /** Null when positives or negatives weigh 0 (one class only). */
  auroc: number | null;
  auprc: number | null;
  /** Confusion counts of "the first `cut` sorted entries are predicted positive". */
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

/**
 * One pass over the sorted entries. AUROC is the trapezoidal area of the ROC curve through
 * the run ends, i.e. Σ_runs neg·(tp_before + pos/2) / (P·N): a tied positive/negative pair
 * counts one half, as sklearn's trapezoid does. AP is sklearn's step sum
 * Σ_runs (ΔR)·precision = Σ_runs pos/P · tp/(tp+fp) with no interpolation. Counts stay
 * integers while summed, so nothing is rounded until the final divisions.
 *
 * `weights` null means every entry weighs 1. `cut` is the number of leading sorted entries
 * predicted positive; it must end a run of equal scores (or be 0), which `thresholdCut`
 * guarantees since equal scores fall on the same side of any threshold.
 */
export function rankingStats(r: Ranking, weights: ArrayLike<number> | null, cut = 0): RankingStats {
  const { weightIndex, positive, runEnd } = r;
  const w = weights ?? unitWeights(r);
  let tp = 0;
  let fp = 0;
  let area = 0;
  let apSum = 0;
  let tpCut = 0;
  let fpCut = 0;
  let gp = 0; // weight of the positives / of all entries in the current run
  let gt = 0;
  // The hot loop of every bootstrap resample: one flat pass, no data-dependent branch per
  // entry (a run-per-iteration loop was 2.5× slower with mostly singleton runs).
  for (let p = 0; p < runEnd.length; p++) {
    const x = w[weightIndex[p] as number] as number;
    gt += x;
    gp += x * (positive[p] as number);
    if (runEnd[p] === 1) {
      const gn = gt - gp;
      area += gn * (tp + gp / 2);
      tp += gp;
      fp += gn;
      // gp·tp/(tp+fp), 0 for a run that adds no positive; `|| 1` only guards 0/0 before any weight.
      apSum += (gp * tp) / (tp + fp || 1);
      if (p + 1 === cut) {
        tpCut = tp;
        fpCut = fp;
      }
      gp = 0;
      gt = 0;
    }
  }
  const defined = tp > 0 && fp > 0;
  return {
    positives: tp,
    negatives: fp,
    auroc: defined ? area / (tp * fp) : null,
    auprc: defined ? apSum / tp : null,
    tp: tpCut,
    fp: fpCut,
    fn: tp - tpCut,
    tn: fp - fpCut,
  };
}

/** Weight 1 for every index the ranking refers to. */
function unitWeights(r: Ranking): Float64Array {
  let max = -1;
  for (let p = 0; p < r.weightIndex.length; p++) max = Math.max(max, r.weightIndex[p] as number);
  return new Float64Array(max + 1).fill(1);
}

/** How many sorted entries have `score >= threshold` (the predicted positives). */
export function thresholdCut(r: Ranking, threshold: number): number {
  // Binary search on the descending scores for the first score below the threshold.
  let lo = 0;
  let hi = r.score.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((r.score[mid] as number) >= threshold) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
