/**
 * The shapes of an evaluation's metrics, as stored in `evaluations.metrics_json` and returned
 * by the API and the CLI. Every interval is a 95 % percentile bootstrap over patients.
 */

/** [lo, hi]; null where the metric is undefined in too many resamples (e.g. one class only). */
export type Interval = [number, number] | null;

/** One binary label (a biomarker, or one class of a single-label task one-vs-rest). */
export interface BinaryLabelMetrics {
  label: string;
  /** Images with a known truth for this label. */
  n: number;
  positives: number;
  prevalence: number;
  /** Null when the test set has one class only. */
  auroc: number | null;
  /** Average precision, as scikit-learn's `average_precision_score`. */
  auprc: number | null;
  /** The decision threshold on the score, chosen on validation; null for single-label classes (argmax decides). */
  threshold: number | null;
  f1: number;
  sensitivity: number;
  specificity: number;
  /** The AUROC's interval (what `--json` calls ci95). */
  ci95: Interval;
  /** Intervals of every metric. */
  ci: { auroc: Interval; auprc: Interval; f1: Interval; sensitivity: Interval; specificity: Interval };
}

export interface MultiLabelMetrics {
  task: 'multi_label';
  perLabel: BinaryLabelMetrics[];
  /** Means over labels with a defined value. */
  macroAuroc: number | null;
  macroAuprc: number | null;
  macroF1: number | null;
  /** Every (image, known label) pair pooled. */
  microAuroc: number | null;
  microAuprc: number | null;
  microF1: number | null;
  ci: { macroAuroc: Interval; microAuroc: Interval; macroAuprc: Interval; macroF1: Interval };
  images: number;
  patients: number;
  bootstrap: BootstrapInfo;
}

export interface SingleLabelMetrics {
  task: 'single_label';
  classes: string[];
  accuracy: number;
  balancedAccuracy: number;
  /** confusion[truth][predicted], counts. */
  confusion: number[][];
  /** One-vs-rest per class: AUROC/AUPRC of the class probability, F1/sensitivity/specificity of the argmax decision. */
  perLabel: BinaryLabelMetrics[];
  /** Mean one-vs-rest AUROC (scikit-learn `roc_auc_score(multi_class='ovr', average='macro')`). */
  macroAuroc: number | null;
  ci: { accuracy: Interval; balancedAccuracy: Interval; macroAuroc: Interval };
  images: number;
  patients: number;
  bootstrap: BootstrapInfo;
}

export type EvaluationMetrics = MultiLabelMetrics | SingleLabelMetrics;

export interface BootstrapInfo {
  /** Resamples of patients with replacement. */
  resamples: number;
  seed: number;
  unit: 'patient';
}
