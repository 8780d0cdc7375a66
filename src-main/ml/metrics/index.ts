/**
 * Evaluation metrics equal to scikit-learn's (checked against fixtures made by sklearn 1.2,
 * `tests/fixtures/ml/metrics/make-reference.py`), with 95 % percentile bootstrap intervals
 * over patients. Pure TypeScript on typed arrays; no tensors.
 */
export type * from './types.js';
export { MetricsInputError } from './errors.js';
export {
  averagePrecision,
  confusionAt,
  f1OfCounts,
  rocAuc,
  sensitivityOfCounts,
  specificityOfCounts,
  thresholdMetrics,
  type ConfusionCounts,
  type ThresholdMetrics,
} from './binary.js';
export { chooseThreshold, chooseThresholds, FALLBACK_THRESHOLD } from './threshold.js';
export {
  bootstrapIntervals,
  CI_PERCENTILES,
  DEFAULT_BOOTSTRAP_SEED,
  DEFAULT_RESAMPLES,
  indexPatients,
  percentile,
  percentileInterval,
  type BootstrapOptions,
  type PatientIndex,
  type WeightedStatistic,
} from './bootstrap.js';
export { evaluateMultiLabel, evaluateSingleLabel, type MultiLabelInput, type SingleLabelInput } from './evaluate.js';
