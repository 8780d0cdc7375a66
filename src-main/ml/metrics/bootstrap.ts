/**
 * 95 % percentile bootstrap over PATIENTS.
 *
 * Why patients and not images: the B-scans of one eye (and both eyes of one patient) are
 * strongly correlated, so resampling images would pretend there are far more independent
 * observations than there are and give intervals that are too narrow. Each resample draws as
 * many patients as there are, with replacement, and takes all images of every drawn patient;
 * a patient drawn twice counts twice.
 *
 * Duplicated images only multiply counts, so a resample is handed to the statistic as one
 * integer weight per image (how often its patient was drawn) instead of a copied dataset;
 * the metrics modules evaluate weighted data in one pass over orders sorted once.
 *
 * A statistic that is undefined in a resample (e.g. AUROC of a resample with no positive)
 * is skipped; when more than half of the resamples leave it undefined the interval is null.
 * The bounds are numpy's default (linear) percentiles 2.5 and 97.5 of the defined values.
 */
import { createRng } from '../../random/rng.js';
import { MetricsInputError } from './errors.js';
import type { Interval } from './types.js';

export const DEFAULT_RESAMPLES = 1000;
export const DEFAULT_BOOTSTRAP_SEED = 0;
export const CI_PERCENTILES = [2.5, 97.5] as const;

export interface BootstrapOptions {
  /** Resamples of patients; 1000 gives bounds stable to about ±0.01 AUROC, fewer only for quick looks. */
  resamples?: number;
  /** The same seed and data give the same intervals. */
  seed?: number;
}

/** Images mapped to dense patient numbers 0..count−1; -1 for images left out of the evaluation. */
export interface PatientIndex {
  readonly ofImage: Int32Array;
  readonly count: number;
}

/** Numbers the distinct patient ids of the included images in order of first appearance. */
export function indexPatients(patients: ArrayLike<number>, included: (image: number) => boolean = () => true): PatientIndex {
  const ofImage = new Int32Array(patients.length).fill(-1);
  const dense = new Map<number, number>();
  for (let i = 0; i < patients.length; i++) {
    if (!included(i)) continue;
    const id = patients[i] as number;
    let k = dense.get(id);
    if (k === undefined) {
      k = dense.size;
      dense.set(id, k);
    }
    ofImage[i] = k;
  }
  return { ofImage, count: dense.size };
}

/** Writes the statistics of one weighted dataset into `out`; NaN marks an undefined value. */
export type WeightedStatistic = (weights: Float64Array, out: Float64Array) => void;

/**
 * Intervals of `numStats` statistics. The stream is `createRng(seed).fork('bootstrap')`, one
 * draw `int(0, patients−1)` per patient per resample, so results are reproducible from the
 * seed and independent of any other use of that seed.
 */
export function bootstrapIntervals(patients: PatientIndex, numStats: number, statistic: WeightedStatistic, options: BootstrapOptions = {}): Interval[] {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const seed = options.seed ?? DEFAULT_BOOTSTRAP_SEED;
  if (!Number.isInteger(resamples) || resamples < 0) throw new MetricsInputError(`resamples must be a non-negative integer, got ${resamples}`);
  const rng = createRng(seed).fork('bootstrap');
  const { ofImage, count } = patients;
  const multiplicity = new Float64Array(count);
  const weights = new Float64Array(ofImage.length);
  const out = new Float64Array(numStats);
  const values = Array.from({ length: numStats }, () => new Float64Array(resamples));
  for (let r = 0; r < resamples && count > 0; r++) {
    multiplicity.fill(0);
    for (let k = 0; k < count; k++) multiplicity[rng.int(0, count - 1)]! += 1;
    for (let i = 0; i < ofImage.length; i++) {
      const p = ofImage[i] as number;
      weights[i] = p < 0 ? 0 : (multiplicity[p] as number);
    }
    out.fill(NaN);
    statistic(weights, out);
    for (let s = 0; s < numStats; s++) (values[s] as Float64Array)[r] = out[s] as number;
  }
  return values.map((v) => percentileInterval(count > 0 ? v : new Float64Array(0), resamples));
}

/** [2.5, 97.5] percentiles of the defined (non-NaN) values; null when more than half of `total` are undefined. */
export function percentileInterval(values: Float64Array, total = values.length): Interval {
  const defined = values.filter((v) => !Number.isNaN(v)).sort();
  if (defined.length === 0 || 2 * (total - defined.length) > total) return null;
  return [percentile(defined, CI_PERCENTILES[0]), percentile(defined, CI_PERCENTILES[1])];
}

/**
 * numpy's `percentile(values, q)` with the default method 'linear', on values already sorted
 * ascending: index (n−1)·q/100, interpolated between its neighbours with numpy's `_lerp`
 * (which computes from the upper neighbour when the fraction is ≥ 0.5, so results agree to
 * the last bit).
 */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new MetricsInputError('percentile of an empty list');
  if (!(q >= 0 && q <= 100)) throw new MetricsInputError(`percentile q must lie in [0, 100], got ${q}`);
  const index = (n - 1) * (q / 100);
  if (index >= n - 1) return sorted[n - 1] as number;
  const below = Math.floor(index);
  const gamma = index - below;
  const a = sorted[below] as number;
  const b = sorted[below + 1] as number;
  const diff = b - a;
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}
