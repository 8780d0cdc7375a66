/**
 * Test metrics as CSV, one row per run, label and metric, with the 95 % patient-bootstrap
 * interval: `run_id,arm,labelled_images,labelled_patients,seed,label,metric,value,ci_low,ci_high`.
 * Summary rows use the label `(macro)` / `(micro)` / `(all)`.
 */
import { writeFile } from 'node:fs/promises';
import type { EvaluationMetrics, Interval } from '../metrics/index.js';
import { csvField } from './predictions-csv.js';

export const METRICS_COLUMNS = ['run_id', 'arm', 'labelled_images', 'labelled_patients', 'seed', 'label', 'metric', 'value', 'ci_low', 'ci_high'] as const;

export interface MetricsCsvRun {
  runId: number;
  arm: string;
  images: number;
  patients: number;
  seed: number;
  metrics: EvaluationMetrics;
}

export function metricsCsv(runs: readonly MetricsCsvRun[]): string {
  const lines = [METRICS_COLUMNS.join(',')];
  for (const r of runs) {
    const row = (label: string, metric: string, value: number | null, ci: Interval = null): void => {
      lines.push([r.runId, r.arm, r.images, r.patients, r.seed, label, metric, value, ci?.[0] ?? null, ci?.[1] ?? null].map((v) => csvField(v)).join(','));
    };
    const m = r.metrics;
    for (const l of m.perLabel) {
      row(l.label, 'auroc', l.auroc, l.ci.auroc);
      row(l.label, 'auprc', l.auprc, l.ci.auprc);
      row(l.label, 'f1', l.f1, l.ci.f1);
      row(l.label, 'sensitivity', l.sensitivity, l.ci.sensitivity);
      row(l.label, 'specificity', l.specificity, l.ci.specificity);
      row(l.label, 'prevalence', l.prevalence);
      if (l.threshold !== null) row(l.label, 'threshold', l.threshold);
    }
    if (m.task === 'multi_label') {
      row('(macro)', 'auroc', m.macroAuroc, m.ci.macroAuroc);
      row('(macro)', 'auprc', m.macroAuprc, m.ci.macroAuprc);
      row('(macro)', 'f1', m.macroF1, m.ci.macroF1);
      row('(micro)', 'auroc', m.microAuroc, m.ci.microAuroc);
      row('(micro)', 'auprc', m.microAuprc);
      row('(micro)', 'f1', m.microF1);
    } else {
      row('(macro)', 'auroc', m.macroAuroc, m.ci.macroAuroc);
      row('(all)', 'accuracy', m.accuracy, m.ci.accuracy);
      row('(all)', 'balanced_accuracy', m.balancedAccuracy, m.ci.balancedAccuracy);
    }
  }
  return `${lines.join('\n')}\n`;
}

export async function writeMetricsCsv(runs: readonly MetricsCsvRun[], file: string): Promise<number> {
  await writeFile(file, metricsCsv(runs));
  return runs.length;
}
