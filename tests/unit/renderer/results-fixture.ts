/** Small results as the core's `runs.*` and `results.*` endpoints return them, for state tests. */
import type { BinaryLabelMetrics, MultiLabelMetrics } from '../../../src-main/ml/metrics/types.js';
import type { Comparison, EfficiencyCurve, PredictionPage, RunDetail, RunListItem } from '../../../renderer/src/lib/results/results-view.js';

export function runItem(id: number, overrides: Partial<RunListItem> = {}): RunListItem {
  return {
    id,
    kind: 'pipeline',
    name: `Pipeline ${id}`,
    status: 'completed',
    error: null,
    labelSetId: 1,
    seed: 0,
    createdAt: '2026-03-01T10:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    summary: { preset: 'quick', labelSetName: 'Biomarkers', labels: { kind: 'fraction', value: 0.25 }, seed: 0, arms: ['dino_linear'], sweep: null },
    engine: { backend: 'wasm', device: 'cpu', package: null },
    children: { total: 2, completed: 2, failed: 0, running: 0 },
    latestChild: null,
    ...overrides,
  };
}

export function runDetail(id: number): RunDetail {
  const self = { id, kind: 'pipeline' as const, name: `Pipeline ${id}`, status: 'completed' as const, error: null, seed: 0, arm: null, budget: null, createdAt: '', startedAt: null, finishedAt: null, val: null, test: null, metricNames: [] };
  return { run: { ...runItem(id), parentRunId: null, config: {}, engineInfo: {}, metricNames: [] }, children: [], self, checkpoints: [] };
}

function label(name: string, auroc: number | null): BinaryLabelMetrics {
  const ci: [number, number] | null = auroc === null ? null : [auroc - 0.05, auroc + 0.05];
  return { label: name, n: 10, positives: 5, prevalence: 0.5, auroc, auprc: null, threshold: 0.5, f1: 0, sensitivity: 0, specificity: 0, ci95: ci, ci: { auroc: ci, auprc: null, f1: null, sensitivity: null, specificity: null } };
}

export function metrics(aurocs: Record<string, number | null>, macro: number): MultiLabelMetrics {
  return {
    task: 'multi_label',
    perLabel: Object.entries(aurocs).map(([name, auroc]) => label(name, auroc)),
    macroAuroc: macro,
    macroAuprc: null,
    macroF1: null,
    microAuroc: null,
    microAuprc: null,
    microF1: null,
    ci: { macroAuroc: [macro - 0.04, macro + 0.04], microAuroc: null, macroAuprc: null, macroF1: null },
    images: 10,
    patients: 3,
    bootstrap: { resamples: 200, seed: 0, unit: 'patient' },
  };
}

export function comparison(runId: number, overrides: Partial<Comparison> = {}): Comparison {
  const budget = { kind: 'fraction' as const, value: 1 };
  return {
    runId,
    budget,
    seed: 0,
    budgets: [budget],
    seeds: [0],
    labels: ['DRT', 'IRF'],
    arms: [
      { arm: 'dino_linear', runId: runId + 1, status: 'completed', seed: 0, budget: { ...budget, images: 8, patients: 2 }, evaluationId: 11, metrics: metrics({ DRT: 0.8, IRF: 0.7 }, 0.75) },
      { arm: 'dino_finetune', runId: runId + 2, status: 'completed', seed: 0, budget: { ...budget, images: 8, patients: 2 }, evaluationId: 12, metrics: metrics({ DRT: 0.9, IRF: 0.6 }, 0.75) },
      { arm: 'supervised', runId: runId + 3, status: 'running', seed: 0, budget: { ...budget, images: 8, patients: 2 }, evaluationId: null, metrics: null },
    ],
    ...overrides,
  };
}

export function efficiency(runId: number): EfficiencyCurve {
  const point = (value: number, images: number | null, mean: number | null) => ({
    budget: { kind: 'fraction' as const, value },
    images,
    patients: images === null ? null : images / 4,
    meanMacroAuroc: mean,
    band: mean === null ? null : ([mean - 0.05, mean + 0.05] as [number, number]),
    seeds: mean === null ? [] : [{ seed: 0, runId: 1, images, patients: null, macroAuroc: mean, ci: null }],
  });
  return { runId, arms: [{ arm: 'dino_linear', points: [point(0.5, 4, 0.7), point(1, 8, 0.8)] }, { arm: 'supervised', points: [point(1, 8, null)] }] };
}

export function predictionPage(evaluationId: number, overrides: Partial<PredictionPage> = {}): PredictionPage {
  return {
    evaluationId,
    labels: [
      { id: 1, name: 'DRT' },
      { id: 2, name: 'IRF' },
    ],
    labelId: 1,
    total: 60,
    rows: [{ imageId: 5, relPath: 'P1/a.png', fileName: 'a.png', patient: 'P1', subset: 'test', labelId: 1, label: 'DRT', truth: 1, probability: 0.9 }],
    ...overrides,
  };
}
