/**
 * The Train view's pure helpers over the results the core returns: types derived from the
 * contract, readable names of arms and budgets, the best arm of each comparison row, and an
 * AUROC with its interval as text. Pure so they are tested without a DOM.
 */
import type { ApiResult } from '../../../../src-main/api/types.js';

export type RunListItem = ApiResult<'runs.list'>[number];
export type RunDetail = ApiResult<'runs.get'>;
export type ChildRun = RunDetail['children'][number];
export type Comparison = ApiResult<'results.comparison'>;
export type ComparisonArm = Comparison['arms'][number];
export type EfficiencyCurve = ApiResult<'results.efficiency'>;
export type PredictionPage = ApiResult<'results.predictions'>;
export type PredictionRow = PredictionPage['rows'][number];
export type PredictionSort = 'confidence_desc' | 'confidence_asc' | 'most_wrong';
export type PipelinePresets = ApiResult<'pipeline.presets'>;
export type MetricSeries = ApiResult<'runs.metrics'>[number];
export type Budget = { kind: 'fraction' | 'count'; value: number };
type Interval = [number, number] | null;

const ARM_LABELS: Record<string, string> = {
  dino_linear: 'DINO linear probe',
  dino_finetune: 'DINO fine-tuned',
  dino_knn: 'DINO k-NN',
  supervised: 'Supervised (scratch)',
};

/** "DINO linear probe"; unknown arms (added later in the core) show as they are. */
export function armLabel(arm: string): string {
  return ARM_LABELS[arm] ?? arm;
}

/** "25 %" for a fraction, "100 images" for a count. */
export function budgetLabel(budget: Budget | null | undefined): string {
  if (!budget) return '—';
  if (budget.kind === 'fraction') return `${Number((budget.value * 100).toFixed(2))} %`;
  return `${budget.value.toLocaleString('en-US')} images`;
}

export const budgetKey = (budget: Budget): string => `${budget.kind}:${budget.value}`;

/** "0.861" (three decimals), or "—" when undefined. */
export function formatAuroc(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(3);
}

/** "[0.800, 0.910]", or "" when there is no interval. */
export function formatInterval(ci: Interval | undefined): string {
  return ci ? `[${ci[0].toFixed(3)}, ${ci[1].toFixed(3)}]` : '';
}

export interface ComparisonCell {
  auroc: number | null;
  ci: Interval;
}

export interface ComparisonRow {
  label: string;
  /** One cell per arm, in the order of `comparison.arms`. */
  cells: ComparisonCell[];
  /** Indices of the arms with the highest AUROC (all of them on a tie; none when no arm has one). */
  best: number[];
  macro: boolean;
}

function bestIndices(cells: readonly ComparisonCell[]): number[] {
  const values = cells.map((c) => c.auroc).filter((v): v is number => v !== null);
  if (values.length === 0) return [];
  const top = Math.max(...values);
  return cells.flatMap((c, i) => (c.auroc !== null && top - c.auroc < 1e-9 ? [i] : []));
}

/** The table of labels × arms (test AUROC with intervals), then the macro row. */
export function comparisonRows(comparison: Comparison): ComparisonRow[] {
  const rows: ComparisonRow[] = comparison.labels.map((label) => {
    const cells = comparison.arms.map((arm) => {
      const metrics = arm.metrics?.perLabel.find((l) => l.label === label);
      return { auroc: metrics?.auroc ?? null, ci: metrics?.ci95 ?? null };
    });
    return { label, cells, best: bestIndices(cells), macro: false };
  });
  const macroCells = comparison.arms.map((arm) => ({ auroc: arm.metrics?.macroAuroc ?? null, ci: arm.metrics?.ci.macroAuroc ?? null }));
  rows.push({ label: 'Macro AUROC', cells: macroCells, best: bestIndices(macroCells), macro: true });
  return rows;
}

/** "preset quick · Biomarkers · 25 % · seed 0" for the runs list. */
export function configSummary(run: RunListItem): string {
  const s = run.summary;
  const parts = [
    s.preset && `preset ${s.preset}`,
    s.labelSetName,
    s.sweep ? `${s.sweep.budgets.length} budgets × ${s.sweep.seeds.length} seeds` : s.labels && budgetLabel(s.labels),
    !s.sweep && s.seed !== null && `seed ${s.seed}`,
  ];
  return parts.filter(Boolean).join(' · ') || '—';
}

/** Run statuses that will not change any more. */
export function isFinished(status: string): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled' || status === 'interrupted';
}

/** The curves worth plotting for a stage, in this order, among the metrics it recorded. */
const CURVES_OF_KIND: Record<string, readonly string[]> = {
  pretrain: ['loss', 'teacher_entropy', 'kl_teacher_student', 'knn_macro_auroc', 'lr'],
};
const ARM_CURVES = ['train_loss', 'val_loss', 'val_macro_auroc', 'lr'];

export function curveNames(kind: string, recorded: readonly string[]): string[] {
  return (CURVES_OF_KIND[kind] ?? ARM_CURVES).filter((name) => recorded.includes(name));
}
