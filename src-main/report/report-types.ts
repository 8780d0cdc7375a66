/**
 * What a report says, gathered once from the project (report-data.ts, attention-examples.ts)
 * and then only rendered (report-html.ts): the renderer reads no database.
 */
import type { ComparisonArm, EfficiencyCurve, MetricSeries } from '../project/results-types.js';
import type { LabelSetStats } from '../project/label-stats.js';
import type { SplitSummary } from '../project/splits.js';
import type { PairedDifference } from './paired-bootstrap.js';

/** What to report on: one pipeline or sweep run, or a chosen list of runs. */
export type ReportScope = { pipelineId: number } | { runIds: number[] };

export interface ReportDataset {
  projectName: string;
  sources: { kind: string; label: string }[];
  images: number;
  patients: number;
  eyes: number;
  /** Volumes: one eye at one visit. */
  visits: number;
  labelSet: LabelSetStats | null;
}

export interface ReportSplit extends SplitSummary {
  /** SHA-256 over the sorted (patient code, subset) pairs: identifies the split's assignment. */
  manifestHash: string;
}

/** The settings of one stage (one run), flattened to dotted keys. */
export interface StageSettings {
  stage: string;
  runId: number;
  entries: [string, string][];
}

export interface EngineLine {
  runId: number;
  stage: string;
  backend: string | null;
  device: string | null;
  package: string | null;
  appVersion: string;
}

export interface TrainingCurves {
  runId: number;
  stage: string;
  series: MetricSeries[];
  /** Steps at which the DINO collapse monitor warned (pretraining only). */
  collapseSteps: number[];
}

export interface ResultsTable {
  budgetText: string | null;
  seed: number | null;
  labels: string[];
  arms: ComparisonArm[];
}

export interface Significance extends PairedDifference {
  arm: string;
  baseline: string;
  armRunId: number;
  baselineRunId: number;
  /** False with too few test patients for a patient bootstrap to mean anything; `significant` is then false. */
  assessable: boolean;
}

export interface AttentionExample {
  label: string;
  kind: 'true positive' | 'false positive' | 'false negative';
  imageId: number;
  fileName: string;
  patient: string | null;
  score: number;
  /** The label's decision threshold; null where argmax decides (single-label). */
  threshold: number | null;
  /** A downscaled PNG of the heads and mean panels, as a data: URI. */
  png: string;
}

export interface AttentionSection {
  runId: number | null;
  model: string | null;
  examples: AttentionExample[];
  /** Why there are none or fewer than asked for (ResNet backbone, no such case in the test split…). */
  notes: string[];
}

export interface ReportData {
  title: string;
  generatedAt: string;
  appVersion: string;
  scope: ReportScope;
  runIds: number[];
  question: string;
  answer: string;
  dataset: ReportDataset;
  split: ReportSplit | null;
  settings: StageSettings[];
  engines: EngineLine[];
  curves: TrainingCurves[];
  results: ResultsTable;
  significance: Significance[];
  efficiency: EfficiencyCurve | null;
  attention: AttentionSection;
  reproducibility: { seeds: number[]; dataHashes: { runId: number; stage: string; hash: string }[]; configJson: string };
  limitations: string[];
}
