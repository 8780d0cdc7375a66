/**
 * Evaluation of a single-label task (one class per image, decided by argmax):
 *
 *   - accuracy, and balanced accuracy as sklearn's `balanced_accuracy_score`: the mean recall
 *     over the classes present in the truth (a class that is only predicted has no recall
 *     and is left out, as sklearn drops its NaN);
 *   - the confusion matrix confusion[truth][predicted] over all listed classes;
 *   - per class one-vs-rest: AUROC/AP of that class's probability, and F1/sensitivity/
 *     specificity of "argmax is this class" (no threshold);
 *   - macro AUROC, the mean of the per-class one-vs-rest AUROCs, equal to sklearn's
 *     `roc_auc_score(multi_class='ovr', average='macro')` (which also asks rows to sum to 1);
 *     null unless every class occurs in the truth, where sklearn refuses too.
 *
 * Argmax ties go to the lowest class index (numpy `argmax`). Images with truth -1 are left
 * out; `images` and `patients` count the rest, and the bootstrap resamples those patients.
 */
import { bootstrapIntervals, indexPatients, type BootstrapOptions, DEFAULT_BOOTSTRAP_SEED, DEFAULT_RESAMPLES } from './bootstrap.js';
import { MetricsInputError } from './errors.js';
import { labelRecord, orNull, STATS_PER_LABEL, writeLabelStats } from './label-metrics.js';
import { rankEntries, rankingStats } from './ranking.js';
import type { SingleLabelMetrics } from './types.js';

export interface SingleLabelInput {
  /** Row-major [n·C] class probabilities (e.g. softmax outputs). */
  probabilities: Float32Array | Float64Array;
  /** [n] class index; -1 unknown (left out). */
  truth: Int32Array;
  /** [n] patient id of each image: the bootstrap's unit. */
  patients: ArrayLike<number>;
  classes: string[];
}

/** Statistics after the per-class slots: accuracy, balanced accuracy, macro AUROC. */
const GLOBAL_STATS = 3;

function argmaxRows(probabilities: ArrayLike<number>, n: number, C: number): Int32Array {
  const predicted = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 0; c < C; c++) {
      const v = probabilities[i * C + c] as number;
      if (!Number.isFinite(v)) throw new MetricsInputError(`probability of image ${i}, class ${c} is ${v}; it must be finite`);
      if (v > (probabilities[i * C + best] as number)) best = c;
    }
    predicted[i] = best;
  }
  return predicted;
}

export function evaluateSingleLabel(input: SingleLabelInput, options: BootstrapOptions = {}): SingleLabelMetrics {
  const { probabilities, truth, patients, classes } = input;
  const C = classes.length;
  const n = patients.length;
  if (C < 2) throw new MetricsInputError(`a single-label task needs at least 2 classes, got ${C}`);
  if (probabilities.length !== n * C || truth.length !== n) {
    throw new MetricsInputError(`probabilities (${probabilities.length}) must hold images × classes = ${n} × ${C} values and truth (${truth.length}) one per image`);
  }
  const oneVsRest = new Int8Array(n * C).fill(-1);
  let images = 0;
  for (let i = 0; i < n; i++) {
    const t = truth[i] as number;
    if (t === -1) continue;
    if (!Number.isInteger(t) || t < 0 || t >= C) throw new MetricsInputError(`truth of image ${i} is ${t}; it must be a class index in [0, ${C}) or -1 (unknown)`);
    for (let c = 0; c < C; c++) oneVsRest[i * C + c] = c === t ? 1 : 0;
    images++;
  }
  if (images === 0) throw new MetricsInputError('no image has a known class: nothing to evaluate');
  const predicted = argmaxRows(probabilities, n, C);
  const rankings = classes.map((_, c) => rankEntries(probabilities, oneVsRest, n, C, c));

  const numStats = C * STATS_PER_LABEL + GLOBAL_STATS;
  const confusion = new Float64Array(C * C);
  const statistic = (weights: Float64Array | null, out: Float64Array): void => {
    confusion.fill(0);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const t = truth[i] as number;
      if (t === -1) continue;
      const w = weights === null ? 1 : (weights[i] as number);
      confusion[t * C + (predicted[i] as number)]! += w;
      total += w;
    }
    let correct = 0;
    let recallSum = 0;
    let present = 0;
    let aurocSum = 0;
    for (let c = 0; c < C; c++) {
      let row = 0;
      let col = 0;
      for (let k = 0; k < C; k++) {
        row += confusion[c * C + k] as number;
        col += confusion[k * C + c] as number;
      }
      const tp = confusion[c * C + c] as number;
      correct += tp;
      if (row > 0) {
        recallSum += tp / row;
        present++;
      }
      const s = rankingStats(rankings[c]!, weights);
      const counts = { tp, fn: row - tp, fp: col - tp, tn: total - row - col + tp };
      writeLabelStats(out, c * STATS_PER_LABEL, s.auroc, s.auprc, counts);
      aurocSum += s.auroc ?? NaN;
    }
    const g = C * STATS_PER_LABEL;
    out[g] = total > 0 ? correct / total : NaN;
    out[g + 1] = present > 0 ? recallSum / present : NaN;
    // Every class present in the truth ⇔ every one-vs-rest AUROC defined (C ≥ 2); else NaN.
    out[g + 2] = aurocSum / C;
  };

  const point = new Float64Array(numStats);
  statistic(null, point);
  const matrix = Array.from({ length: C }, (_, t) => Array.from(confusion.subarray(t * C, (t + 1) * C)));
  const patientIndex = indexPatients(patients, (i) => truth[i] !== -1);
  const intervals = bootstrapIntervals(patientIndex, numStats, statistic, options);

  const perLabel = classes.map((label, c) => {
    const positives = matrix[c]!.reduce((a, b) => a + b, 0);
    return labelRecord(label, { n: images, positives }, null, point, intervals, c * STATS_PER_LABEL);
  });
  const g = C * STATS_PER_LABEL;
  const ci = (k: number) => intervals[g + k] ?? null;
  return {
    task: 'single_label',
    classes: [...classes],
    accuracy: point[g] as number,
    balancedAccuracy: point[g + 1] as number,
    confusion: matrix,
    perLabel,
    macroAuroc: orNull(point[g + 2] as number),
    ci: { accuracy: ci(0), balancedAccuracy: ci(1), macroAuroc: ci(2) },
    images,
    patients: patientIndex.count,
    bootstrap: {
      resamples: options.resamples ?? DEFAULT_RESAMPLES,
      seed: options.seed ?? DEFAULT_BOOTSTRAP_SEED,
      unit: 'patient',
    },
  };
}
