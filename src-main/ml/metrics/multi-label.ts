/**
 * Evaluation of a multi-label (biomarker) task: each label is its own binary problem over the
 * images where it is known, decided at its validation-chosen threshold.
 *
 *   - macro: the mean over labels whose value is defined (AUROC/AP need both classes; F1 is
 *     undefined at 0/0, i.e. no positive in truth nor prediction, and such a label is left
 *     out of the mean rather than counted as 0);
 *   - micro: every (image, known label) pair pooled into one binary problem, as sklearn's
 *     `average='micro'` on the flattened known entries; micro F1 adds up the per-label
 *     counts, each decided at its own label's threshold.
 *
 * `images` counts the images with at least one known label, `patients` their patients; the
 * bootstrap resamples those patients.
 */
import { bootstrapIntervals, indexPatients, type BootstrapOptions, DEFAULT_BOOTSTRAP_SEED, DEFAULT_RESAMPLES } from './bootstrap.js';
import { f1OfCounts, type ConfusionCounts } from './binary.js';
import { MetricsInputError } from './errors.js';
import { labelRecord, meanDefined, orNaN, orNull, STATS_PER_LABEL, writeLabelStats } from './label-metrics.js';
import { rankEntries, rankingStats, thresholdCut } from './ranking.js';
import type { MultiLabelMetrics } from './types.js';

export interface MultiLabelInput {
  /** Row-major [n·L] scores (e.g. sigmoid outputs); finite where the truth is known. */
  scores: Float32Array | Float64Array;
  /** Row-major [n·L]: 1 present, 0 absent, -1 unknown (left out). */
  truth: Int8Array;
  /** [n] patient id of each image: the bootstrap's unit. */
  patients: ArrayLike<number>;
  labels: string[];
  /** [L] decision thresholds (`score >= threshold` is present), from `chooseThresholds` on validation. */
  thresholds: number[];
}

/** Statistics after the per-label slots: macro AUROC, micro AUROC, macro AP, macro F1, micro AP, micro F1. */
const GLOBAL_STATS = 6;

export function evaluateMultiLabel(input: MultiLabelInput, options: BootstrapOptions = {}): MultiLabelMetrics {
  const { scores, truth, patients, labels, thresholds } = input;
  const L = labels.length;
  const n = patients.length;
  if (L === 0) throw new MetricsInputError('no labels to evaluate');
  if (scores.length !== n * L || truth.length !== n * L) {
    throw new MetricsInputError(`scores (${scores.length}) and truth (${truth.length}) must hold images × labels = ${n} × ${L} values`);
  }
  if (thresholds.length !== L) throw new MetricsInputError(`${thresholds.length} thresholds for ${L} labels`);
  const badThreshold = thresholds.findIndex((t) => !Number.isFinite(t));
  if (badThreshold >= 0) throw new MetricsInputError(`threshold of label '${labels[badThreshold]}' is ${thresholds[badThreshold]}; it must be finite`);

  const rankings = labels.map((_, l) => rankEntries(scores, truth, n, L, l));
  const cuts = rankings.map((r, l) => thresholdCut(r, thresholds[l] as number));
  const pooled = rankEntries(scores, truth, n * L, 1, 0, (k) => Math.floor(k / L));
  if (pooled.positive.length === 0) throw new MetricsInputError('no image has a known label: nothing to evaluate');

  const numStats = L * STATS_PER_LABEL + GLOBAL_STATS;
  const statistic = (weights: Float64Array | null, out: Float64Array): void => {
    const aurocs: number[] = [];
    const auprcs: number[] = [];
    const f1s: number[] = [];
    const total: ConfusionCounts = { tp: 0, fp: 0, fn: 0, tn: 0 };
    for (let l = 0; l < L; l++) {
      const s = rankingStats(rankings[l]!, weights, cuts[l]);
      writeLabelStats(out, l * STATS_PER_LABEL, s.auroc, s.auprc, s);
      aurocs.push(orNaN(s.auroc));
      auprcs.push(orNaN(s.auprc));
      f1s.push(out[l * STATS_PER_LABEL + 2] as number);
      total.tp += s.tp;
      total.fp += s.fp;
      total.fn += s.fn;
      total.tn += s.tn;
    }
    const micro = rankingStats(pooled, weights);
    const g = L * STATS_PER_LABEL;
    out[g] = meanDefined(aurocs);
    out[g + 1] = orNaN(micro.auroc);
    out[g + 2] = meanDefined(auprcs);
    out[g + 3] = meanDefined(f1s);
    out[g + 4] = orNaN(micro.auprc);
    out[g + 5] = orNaN(f1OfCounts(total));
  };

  const point = new Float64Array(numStats);
  statistic(null, point);
  const known = (i: number): boolean => {
    for (let l = 0; l < L; l++) if (truth[i * L + l] !== -1) return true;
    return false;
  };
  const patientIndex = indexPatients(patients, known);
  const intervals = bootstrapIntervals(patientIndex, numStats, statistic, options);

  const perLabel = labels.map((label, l) => {
    const r = rankings[l]!;
    let positives = 0;
    for (let p = 0; p < r.positive.length; p++) positives += r.positive[p] as number;
    return labelRecord(label, { n: r.positive.length, positives }, thresholds[l] as number, point, intervals, l * STATS_PER_LABEL);
  });
  const g = L * STATS_PER_LABEL;
  const at = (k: number) => orNull(point[g + k] as number);
  const ci = (k: number) => intervals[g + k] ?? null;
  let images = 0;
  for (let i = 0; i < n; i++) if (patientIndex.ofImage[i] !== -1) images++;
  return {
    task: 'multi_label',
    perLabel,
    macroAuroc: at(0),
    macroAuprc: at(2),
    macroF1: at(3),
    microAuroc: at(1),
    microAuprc: at(4),
    microF1: at(5) ?? 0,
    ci: { macroAuroc: ci(0), microAuroc: ci(1), macroAuprc: ci(2), macroF1: ci(3) },
    images,
    patients: patientIndex.count,
    bootstrap: {
      resamples: options.resamples ?? DEFAULT_RESAMPLES,
      seed: options.seed ?? DEFAULT_BOOTSTRAP_SEED,
      unit: 'patient',
    },
  };
}
