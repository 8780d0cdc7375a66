/**
 * The end of every arm: decision thresholds are chosen on validation (Youden's J per label),
 * then the test split is scored once — per label AUROC, AUPRC, F1, sensitivity, specificity,
 * prevalence, macro and micro means, each with a 95 % bootstrap interval over patients — and
 * the evaluations and the test predictions are stored with the run.
 */
import type { RunsRepository } from '../../project/runs.js';
import { chooseThresholds, evaluateMultiLabel, evaluateSingleLabel, type EvaluationMetrics } from '../metrics/index.js';
import type { DownstreamData, LabelledSubset } from './downstream-data.js';

export interface ArmScores {
  /** [n_val · L] probabilities of the validation images. */
  val: Float32Array;
  /** [n_test · L] probabilities of the test images. */
  test: Float32Array;
}

export interface ArmEvaluation {
  val: EvaluationMetrics;
  test: EvaluationMetrics;
  testEvaluationId: number;
  /** What limits the numbers' meaning: labels without both classes in test, very few positives. */
  warnings: string[];
}

/** Fewer test positives than this make a label's interval too wide to read much into. */
export const FEW_POSITIVES = 5;

/** With fewer test patients than this, resampling patients cannot give a meaningful interval. */
export const FEW_TEST_PATIENTS = 5;

export function evaluationWarnings(test: EvaluationMetrics): string[] {
  const warnings: string[] = [];
  if (test.patients < FEW_TEST_PATIENTS) {
    warnings.push(`The test split has only ${test.patients} patient${test.patients === 1 ? '' : 's'} with labels: the 95 % intervals (a bootstrap over patients) are not meaningful; label more patients or give the test split a larger share.`);
  }
  for (const l of test.perLabel) {
    if (l.auroc === null) warnings.push(`${l.label}: the test split has only one class among its ${l.n} images with a known value, so AUROC is undefined; label more scans of other patients or change the split.`);
    else if (l.positives < FEW_POSITIVES) warnings.push(`${l.label}: only ${l.positives} positive test image${l.positives === 1 ? '' : 's'}; its interval is wide.`);
  }
  return warnings;
}

function metricsOf(data: DownstreamData, subset: LabelledSubset, scores: Float32Array, thresholds: number[], opts: { resamples: number; seed: number }): EvaluationMetrics {
  const names = data.labelSet.labels.map((l) => l.name);
  if (data.labelSet.kind === 'single_label') {
    return evaluateSingleLabel({ probabilities: scores, truth: subset.truth as Int32Array, patients: subset.patients, classes: names }, opts);
  }
  return evaluateMultiLabel({ scores, truth: subset.truth as Int8Array, patients: subset.patients, labels: names, thresholds }, opts);
}

export function evaluateArm(runs: RunsRepository, runId: number, method: string, data: DownstreamData, scores: ArmScores, opts: { resamples: number; seed: number }): ArmEvaluation {
  const L = data.labelSet.labels.length;
  const thresholds = data.labelSet.kind === 'multi_label' ? chooseThresholds(scores.val, data.val.truth, L) : [];
  const val = metricsOf(data, data.val, scores.val, thresholds, opts);
  const test = metricsOf(data, data.test, scores.test, thresholds, opts);
  runs.saveEvaluation(runId, { splitId: data.splitId, subset: 'val', method, metrics: val });
  const testEvaluationId = runs.saveEvaluation(runId, {
    splitId: data.splitId,
    subset: 'test',
    method,
    metrics: test,
    predictions: { imageIds: data.test.imageIds, labelIds: data.labelSet.labels.map((l) => l.id), scores: scores.test },
  });
  return { val, test, testEvaluationId, warnings: evaluationWarnings(test) };
}
