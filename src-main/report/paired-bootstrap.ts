/**
 * Is one arm better than another on the same test images? A PAIRED percentile bootstrap over
 * patients of the difference in macro AUROC (arm A − arm B).
 *
 * Why paired: both arms scored the very same images, so their errors are correlated (a hard
 * patient is hard for both). Each resample draws patients once and evaluates BOTH arms on that
 * same draw; the interval of the per-resample difference is then much narrower than comparing
 * two independent intervals, and "the 95 % interval excludes 0" is the significance test.
 *
 * The macro AUROC is the mean over labels whose AUROC is defined in the resample (both classes
 * present), as evaluateMultiLabel computes it; a resample where either arm's macro is undefined
 * is skipped (and with more than half skipped the interval is null). The resampling stream is the
 * metrics module's (`bootstrapIntervals`), so the same seed gives the same interval.
 */
import { bootstrapIntervals, DEFAULT_BOOTSTRAP_SEED, DEFAULT_RESAMPLES, indexPatients, type BootstrapOptions, type Interval } from '../ml/metrics/index.js';
import { MetricsInputError } from '../ml/metrics/errors.js';
import { rankEntries, rankingStats, type Ranking } from '../ml/metrics/ranking.js';

export interface PairedInput {
  /** Row-major [n·L] scores of arm A and of arm B on the same images in the same order. */
  scoresA: ArrayLike<number>;
  scoresB: ArrayLike<number>;
  /** Row-major [n·L]: 1 present, 0 absent, -1 unknown (left out). */
  truth: ArrayLike<number>;
  /** [n] patient of each image: the resampling unit. */
  patients: ArrayLike<number>;
  numLabels: number;
}

export interface PairedDifference {
  /** Macro AUROC of A and B on these images (null where no label has both classes). */
  macroA: number | null;
  macroB: number | null;
  /** macroA − macroB. */
  difference: number | null;
  /** 95 % paired bootstrap interval of the difference. */
  ci95: Interval;
  /** True when the interval excludes 0. */
  significant: boolean;
  images: number;
  patients: number;
  resamples: number;
  seed: number;
}

function macro(rankings: readonly Ranking[], weights: ArrayLike<number> | null): number {
  let sum = 0;
  let count = 0;
  for (const r of rankings) {
    const auroc = rankingStats(r, weights).auroc;
    if (auroc === null) continue;
    sum += auroc;
    count++;
  }
  return count === 0 ? NaN : sum / count;
}

export function pairedMacroAurocDifference(input: PairedInput, options: BootstrapOptions = {}): PairedDifference {
  const { scoresA, scoresB, truth, patients, numLabels: L } = input;
  const n = patients.length;
  if (L < 1) throw new MetricsInputError('no labels to compare');
  if (scoresA.length !== n * L || scoresB.length !== n * L || truth.length !== n * L) {
    throw new MetricsInputError(`scores (${scoresA.length}, ${scoresB.length}) and truth (${truth.length}) must hold images × labels = ${n} × ${L} values`);
  }
  const labels = Array.from({ length: L }, (_, l) => l);
  const rankA = labels.map((l) => rankEntries(scoresA, truth, n, L, l));
  const rankB = labels.map((l) => rankEntries(scoresB, truth, n, L, l));
  const statistic = (weights: Float64Array | null, out: Float64Array): void => {
    const a = macro(rankA, weights);
    const b = macro(rankB, weights);
    out[0] = a - b;
    out[1] = a;
    out[2] = b;
  };
  const point = new Float64Array(3);
  statistic(null, point);
  const known = (i: number): boolean => {
    for (let l = 0; l < L; l++) if (truth[i * L + l] !== -1) return true;
    return false;
  };
  const index = indexPatients(patients, known);
  const [ci95 = null] = bootstrapIntervals(index, 3, statistic, options);
  const orNull = (v: number): number | null => (Number.isNaN(v) ? null : v);
  let images = 0;
  for (let i = 0; i < n; i++) if (index.ofImage[i] !== -1) images++;
  return {
    macroA: orNull(point[1] as number),
    macroB: orNull(point[2] as number),
    difference: orNull(point[0] as number),
    ci95,
    significant: ci95 !== null && (ci95[0] > 0 || ci95[1] < 0),
    images,
    patients: index.count,
    resamples: options.resamples ?? DEFAULT_RESAMPLES,
    seed: options.seed ?? DEFAULT_BOOTSTRAP_SEED,
  };
}
