/**
 * The shapes of training results as the API returns them (see results.ts, which reads them).
 */
import type { EvaluationMetrics, Interval } from '../ml/metrics/types.js';
import type { RunKind, RunStatus } from './runs.js';

export type ArmRunKind = 'linear_probe' | 'finetune' | 'supervised' | 'knn';

export interface BudgetRef {
  kind: 'fraction' | 'count';
  value: number;
}

/** What a pipeline's or sweep's config says, for one line in the runs list. */
export interface RunConfigSummary {
  preset: string | null;
  labelSetName: string | null;
  labels: BudgetRef | null;
  seed: number | null;
  arms: string[];
  sweep: { budgets: BudgetRef[]; seeds: number[] } | null;
}

export interface EngineSummary {
  backend: string | null;
  device: string | null;
  package: string | null;
}

export interface RunListItem {
  id: number;
  kind: RunKind;
  name: string;
  status: RunStatus;
  error: string | null;
  labelSetId: number | null;
  seed: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  summary: RunConfigSummary;
  engine: EngineSummary;
  children: { total: number; completed: number; failed: number; running: number };
  /** The most recently created child (what the pipeline is doing, or did last). */
  latestChild: { id: number; kind: RunKind; name: string; status: RunStatus } | null;
}

export interface EvaluationSummary {
  id: number;
  subset: 'train' | 'val' | 'test';
  method: string;
  createdAt: string;
  macroAuroc: number | null;
  metrics: EvaluationMetrics | null;
}

export interface ChildRun {
  id: number;
  kind: RunKind;
  name: string;
  status: RunStatus;
  error: string | null;
  seed: number;
  /** The arm of a downstream run; null for pretraining. */
  arm: string | null;
  budget: (BudgetRef & { patients: number | null; images: number | null }) | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  val: EvaluationSummary | null;
  test: EvaluationSummary | null;
  metricNames: string[];
}

export interface CheckpointItem {
  id: number;
  runId: number;
  step: number;
  epoch: number;
  kind: 'periodic' | 'best' | 'final';
  relPath: string;
  byteSize: number | null;
  createdAt: string;
}

export interface RunDetail {
  run: RunListItem & { config: unknown; engineInfo: unknown; parentRunId: number | null; metricNames: string[] };
  children: ChildRun[];
  /** The run itself seen as a stage (its arm, budget and evaluations), e.g. a stand-alone `octdino finetune` run. */
  self: ChildRun;
  checkpoints: CheckpointItem[];
}

export interface MetricSeries {
  name: string;
  /** Points stored; `steps`/`values` hold at most MAX_SERIES_POINTS of them. */
  total: number;
  steps: number[];
  values: number[];
}

export interface ComparisonArm {
  arm: string;
  runId: number;
  status: RunStatus;
  seed: number;
  budget: ChildRun['budget'];
  evaluationId: number | null;
  metrics: EvaluationMetrics | null;
}

export interface Comparison {
  runId: number;
  budget: BudgetRef | null;
  seed: number | null;
  /** What a sweep offers to choose from. */
  budgets: BudgetRef[];
  seeds: number[];
  /** Label names in the order of the label set (the rows of the table). */
  labels: string[];
  arms: ComparisonArm[];
}

export interface EfficiencySeed {
  seed: number;
  runId: number;
  images: number | null;
  patients: number | null;
  macroAuroc: number | null;
  ci: Interval;
}

export interface EfficiencyPoint {
  budget: BudgetRef;
  /** Means over seeds of the labelled training images and patients the arm saw. */
  images: number | null;
  patients: number | null;
  /** Mean test macro AUROC over the seeds that have one. */
  meanMacroAuroc: number | null;
  /** Mean of the seeds' 95 % bootstrap intervals (the band the chart draws). */
  band: Interval;
  seeds: EfficiencySeed[];
}

export interface EfficiencyCurve {
  runId: number;
  arms: { arm: string; points: EfficiencyPoint[] }[];
}

export type PredictionSort = 'confidence_desc' | 'confidence_asc' | 'most_wrong';

export interface PredictionRow {
  imageId: number;
  relPath: string;
  fileName: string;
  patient: string | null;
  /** The patient's subset in the evaluation's split. */
  subset: 'train' | 'val' | 'test' | null;
  labelId: number;
  label: string;
  /** 1 present, 0 absent, null unknown or uncertain. */
  truth: 0 | 1 | null;
  probability: number;
}

export interface PredictionPage {
  evaluationId: number;
  labels: { id: number; name: string }[];
  labelId: number | null;
  total: number;
  rows: PredictionRow[];
}
