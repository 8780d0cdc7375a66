/**
 * Everything a report says, read from the project: the runs of a pipeline or sweep (or a chosen
 * list of runs), the dataset and its patient split, every stage's settings and engine, training
 * curves with the collapse monitor, the results table through the results reader, the paired
 * bootstrap of each DINO arm against the supervised baseline, the label-efficiency curve, the
 * reproducibility facts and the limitations. Attention examples are added by
 * attention-examples.ts (they need the model); rendering is report-html.ts.
 */
import { createHash } from 'node:crypto';
import { APP_VERSION } from '../app/version.js';
import { evaluationWarnings, FEW_TEST_PATIENTS } from '../ml/finetune/evaluate-arm.js';
import type { EvaluationMetrics } from '../ml/metrics/index.js';
import { budgetText } from '../ml/pipeline/pipeline-job.js';
import { labelSetStats } from '../project/label-stats.js';
import type { Project } from '../project/project.js';
import { resultsReader, type ComparisonArm, type EfficiencyCurve, type EfficiencySeed } from '../project/results.js';
import { budgetKey, readEngine, toPoint } from '../project/results-rows.js';
import { RunsRepository, type RunRecord } from '../project/runs.js';
import { summarizeSplit } from '../project/splits.js';
import { summarizeProject } from '../project/summary.js';
import { pairedMacroAurocDifference } from './paired-bootstrap.js';
import { answerParagraph, limitationsOf, questionOf } from './report-text.js';
import type { ReportData, ReportDataset, ReportScope, ReportSplit, ResultsTable, Significance, StageSettings, TrainingCurves } from './report-types.js';
import { pairPredictions, readTestPredictions } from './test-predictions.js';

export class ReportInputError extends Error {
  override readonly name = 'ReportInputError';
}

/** Resamples of the paired bootstrap: 1000 as for the stored intervals. */
export const PAIRED_RESAMPLES = 1000;
const PRETRAIN_METRICS = ['loss', 'teacher_entropy', 'kl_teacher_student', 'knn_macro_auroc', 'lr', 'weight_decay', 'teacher_momentum', 'teacher_temp'];
const ARM_METRICS = ['train_loss', 'val_loss', 'val_macro_auroc'];

const isArm = (r: RunRecord): boolean => typeof (r.config as { arm?: unknown } | null)?.arm === 'string';
const armName = (r: RunRecord): string => (r.config as { arm: string }).arm;
export const stageName = (r: RunRecord): string => (r.kind === 'pretrain' ? 'DINO pretraining' : isArm(r) ? armName(r) : r.kind);

/** The report's runs: the parent (if any), its children, and any pretraining an arm started from. */
function resolveRuns(runs: RunsRepository, scope: ReportScope): { parent: RunRecord | null; all: RunRecord[] } {
  const need = (id: number): RunRecord => {
    const run = runs.get(id);
    if (!run) throw new ReportInputError(`No run ${id} in this project.`);
    return run;
  };
  let parent: RunRecord | null = null;
  let all: RunRecord[];
  if ('pipelineId' in scope) {
    parent = need(scope.pipelineId);
    if (parent.kind !== 'pipeline' && parent.kind !== 'sweep') throw new ReportInputError(`Run ${parent.id} is a ${parent.kind} run, not a pipeline or sweep: use --runs ${parent.id}.`);
    all = runs.children(parent.id);
  } else {
    if (scope.runIds.length === 0) throw new ReportInputError('Name at least one run.');
    all = scope.runIds.flatMap((id) => {
      const run = need(id);
      return run.kind === 'pipeline' || run.kind === 'sweep' ? runs.children(run.id) : [run];
    });
  }
  const ids = new Set(all.map((r) => r.id));
  for (const r of [...all]) {
    const source = (r.config as { source?: { pretrainRunId?: number | null } | null } | null)?.source?.pretrainRunId;
    if (typeof source === 'number' && !ids.has(source)) {
      const pre = runs.get(source);
      if (pre) {
        all.unshift(pre);
        ids.add(source);
      }
    }
  }
  if (!all.some(isArm)) throw new ReportInputError('None of these runs is a downstream arm with a test evaluation yet: finish the pipeline first.');
  return { parent, all: [...new Map(all.map((r) => [r.id, r])).values()].sort((a, b) => a.id - b.id) };
}

/** A run's config as dotted keys; long arrays are summarised, not listed. */
export function flattenSettings(value: unknown, prefix = ''): [string, string][] {
  if (value === null || value === undefined) return prefix ? [[prefix, '—']] : [];
  if (Array.isArray(value)) {
    if (value.length > 12) return [[prefix, `[${value.length} values]`]];
    if (value.every((v) => typeof v !== 'object' || v === null)) return [[prefix, value.join(', ')]];
    return value.flatMap((v, i) => flattenSettings(v, `${prefix}[${i}]`));
  }
  if (typeof value === 'object') return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => flattenSettings(v, prefix ? `${prefix}.${k}` : k));
  return [[prefix, String(value)]];
}

function datasetOf(project: Project, labelSetId: number | null): ReportDataset {
  const summary = summarizeProject(project);
  const sources = project.db.prepare('SELECT kind, label FROM sources ORDER BY id').all() as { kind: string; label: string }[];
  return {
    projectName: summary.name,
    sources,
    images: summary.counts.images,
    patients: summary.counts.patients,
    eyes: summary.counts.eyes,
    visits: summary.counts.volumes,
    labelSet: labelSetStats(project.db).find((s) => s.id === labelSetId) ?? null,
  };
}

function splitOf(project: Project, splitId: number | null): ReportSplit | null {
  if (splitId === null) return null;
  const rows = project.db
    .prepare('SELECT p.code, sa.subset FROM split_assignments sa JOIN patients p ON p.id = sa.patient_id WHERE sa.split_id = ? ORDER BY p.code')
    .all(splitId) as { code: string; subset: string }[];
  const manifestHash = createHash('sha256').update(rows.map((r) => `${r.code}\t${r.subset}\n`).join('')).digest('hex');
  return { ...summarizeSplit(project.db, splitId), manifestHash };
}

function resultsOf(project: Project, parent: RunRecord | null, arms: RunRecord[]): ResultsTable {
  const reader = resultsReader(project.db);
  if (parent) {
    const c = reader.comparison(parent.id);
    if (c) return { budgetText: c.budget ? budgetText(c.budget) : null, seed: c.seed, labels: c.labels, arms: c.arms };
  }
  const rows: ComparisonArm[] = arms.flatMap((r) => {
    const self = reader.runDetail(r.id)?.self;
    if (!self) return [];
    return [{ arm: self.arm ?? r.name, runId: r.id, status: r.status, seed: r.seed, budget: self.budget, evaluationId: self.test?.id ?? null, metrics: self.test?.metrics ?? null }];
  });
  const labels = [...new Set(rows.flatMap((a) => a.metrics?.perLabel.map((l) => l.label) ?? []))];
  const budgets = [...new Set(rows.map((a) => (a.budget ? budgetText(a.budget) : '')))];
  const seeds = [...new Set(rows.map((a) => a.seed))];
  return { budgetText: budgets.length === 1 && budgets[0] ? budgets[0] : null, seed: seeds.length === 1 ? seeds[0]! : null, labels, arms: rows };
}

/** Each DINO arm minus the supervised baseline on the same test images, paired over patients. */
function significanceOf(project: Project, results: ResultsTable, labelSetId: number | null, singleLabel: boolean): Significance[] {
  const baseline = results.arms.find((a) => a.arm === 'supervised' && a.evaluationId !== null);
  if (!baseline) return [];
  const labelIds =
    labelSetId === null ? [] : (project.db.prepare('SELECT id FROM labels WHERE label_set_id = ? ORDER BY position').pluck().all(labelSetId) as number[]);
  const base = readTestPredictions(project.db, baseline.evaluationId!);
  return results.arms
    .filter((a) => a !== baseline && a.evaluationId !== null)
    .flatMap((a) => {
      const paired = pairPredictions(readTestPredictions(project.db, a.evaluationId!), base, labelIds, singleLabel);
      if (paired.images.length === 0 || paired.labels.length === 0) return [];
      const r = pairedMacroAurocDifference({ ...paired, numLabels: paired.labels.length }, { resamples: PAIRED_RESAMPLES, seed: 0 });
      const assessable = r.patients >= FEW_TEST_PATIENTS;
      return [{ ...r, significant: assessable && r.significant, assessable, arm: a.arm, baseline: baseline.arm, armRunId: a.runId, baselineRunId: baseline.runId }];
    });
}

function efficiencyOf(project: Project, parent: RunRecord | null, arms: ComparisonArm[]): EfficiencyCurve | null {
  const reader = resultsReader(project.db);
  if (parent) return reader.efficiencyCurve(parent.id);
  const groups = new Map<string, Map<string, EfficiencySeed[]>>();
  const budgets = new Map<string, { kind: 'fraction' | 'count'; value: number }>();
  for (const a of arms) {
    if (!a.budget || !a.metrics) continue;
    const key = budgetKey(a.budget);
    budgets.set(key, { kind: a.budget.kind, value: a.budget.value });
    const perArm = groups.get(a.arm) ?? new Map<string, EfficiencySeed[]>();
    groups.set(a.arm, perArm);
    perArm.set(key, [...(perArm.get(key) ?? []), { seed: a.seed, runId: a.runId, images: a.budget.images, patients: a.budget.patients, macroAuroc: a.metrics.macroAuroc, ci: a.metrics.ci.macroAuroc }]);
  }
  return {
    runId: arms[0]?.runId ?? 0,
    arms: [...groups].map(([arm, perArm]) => ({ arm, points: [...perArm].map(([key, seeds]) => toPoint(budgets.get(key)!, seeds)).sort((x, y) => (x.images ?? 0) - (y.images ?? 0)) })),
  };
}

/** Everything but the attention examples (see attention-examples.ts). */
export function collectReportData(project: Project, scope: ReportScope): ReportData {
  const runs = new RunsRepository(project.db);
  const { parent, all } = resolveRuns(runs, scope);
  const arms = all.filter(isArm);
  const first = arms[0]!;
  const labelSetId = parent?.labelSetId ?? (first.config as { labelSetId?: number }).labelSetId ?? first.labelSetId;
  const splitId = parent?.splitId ?? first.splitId ?? (all.find((r) => r.splitId !== null)?.splitId ?? null);
  const dataset = datasetOf(project, labelSetId);
  const results = resultsOf(project, parent, arms);
  const reader = resultsReader(project.db);
  // A sweep has one arm run per budget × seed: curves and settings are those of the table's runs
  // (the others differ only in budget and seed, which the efficiency curve shows).
  const shown = new Set(results.arms.map((a) => a.runId));
  const detailed = all.filter((r) => !isArm(r) || shown.has(r.id));
  const curves: TrainingCurves[] = detailed.map((r) => ({
    runId: r.id,
    stage: stageName(r),
    series: reader.runMetrics(r.id, r.kind === 'pretrain' ? PRETRAIN_METRICS : ARM_METRICS).filter((s) => s.total > 0),
    collapseSteps: r.kind === 'pretrain' ? runs.metric(r.id, 'collapse_warning').map((m) => m.step) : [],
  }));
  const settings: StageSettings[] = [...(parent ? [parent] : []), ...detailed].map((r) => ({ stage: r === parent ? `${r.kind} (the whole experiment)` : stageName(r), runId: r.id, entries: flattenSettings(r.config) }));
  const engines = all.map((r) => ({ runId: r.id, stage: stageName(r), ...readEngine(r.engine), appVersion: r.appVersion }));
  const significance = significanceOf(project, results, labelSetId, dataset.labelSet?.kind === 'single_label');
  const efficiency = efficiencyOf(project, parent, parent ? [] : results.arms);
  const dataHashes = all.flatMap((r) => {
    const hash = (r.data as { hash?: unknown } | null)?.hash;
    return typeof hash === 'string' ? [{ runId: r.id, stage: stageName(r), hash }] : [];
  });
  const warnings = [...new Set(results.arms.flatMap((a) => (a.metrics ? evaluationWarnings(a.metrics as EvaluationMetrics) : [])))];
  const base = {
    title: parent ? `Report: ${parent.name} (run ${parent.id})` : `Report: runs ${all.filter(isArm).map((r) => r.id).join(', ')}`,
    generatedAt: new Date().toISOString(),
    appVersion: APP_VERSION,
    scope,
    runIds: all.map((r) => r.id),
    dataset,
    split: splitOf(project, splitId),
    settings,
    engines,
    curves,
    results,
    significance,
    efficiency,
    attention: { runId: null, model: null, examples: [], notes: [] },
    reproducibility: {
      seeds: [...new Set(all.map((r) => r.seed))].sort((a, b) => a - b),
      dataHashes,
      configJson: JSON.stringify(parent ? parent.config : Object.fromEntries(all.map((r) => [`run ${r.id}`, r.config])), (_k, v: unknown) => (Array.isArray(v) && v.length > 12 ? `[${v.length} values]` : v), 2),
    },
  };
  const partial = { ...base, question: '', answer: '', limitations: [] as string[] };
  return { ...partial, question: questionOf(partial), answer: answerParagraph(partial), limitations: limitationsOf(partial, warnings) };
}
