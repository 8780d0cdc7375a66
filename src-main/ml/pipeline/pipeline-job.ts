/**
 * The one-click experiment (report §5): on one project, with one seed —
 *   1. preparation: a patient split (stratified on the label set) if the project has none, and
 *      the training cache's missing records remade from the source files;
 *   2. DINO pretraining on every non-test image;
 *   3. the downstream arms at the label budget: DINO k-NN, DINO linear probe, DINO fine-tuning,
 *      and the supervised baseline (same backbone from scratch, same images and budget);
 *   4. evaluation of each arm once on the test split, and a summary with the predictions.
 * With `sweep`, step 3 repeats for every budget × seed, reusing the one pretraining: the
 * label-efficiency curve.
 *
 * Every stage is a child run of the pipeline run and resumable by itself: a cancelled, killed
 * or crashed pipeline, resumed, skips completed stages and continues the unfinished one from
 * its last checkpoint.
 */
import path from 'node:path';
import { APP_VERSION } from '../../app/version.js';
import type { JobContext, JobHandler } from '../../jobs/job-context.js';
import { JobInputError } from '../../jobs/protocol.js';
import { RunsRepository, type RunRecord } from '../../project/runs.js';
import { createPatientSplit } from '../../project/splits.js';
import { CacheRepairError, repairTrainingCache } from '../../imaging/cache-repair.js';
import { ARM_RUN_KIND, type ArmName, type DownstreamSettings } from '../finetune/downstream-config.js';
import { DownstreamDataError, findLabelSet } from '../finetune/downstream-data.js';
import { runArm, type ArmResult, type ArmRunConfig } from '../finetune/arm-job.js';
import { evaluationWarnings } from '../finetune/evaluate-arm.js';
import { writePredictionsCsv } from '../finetune/predictions-csv.js';
import type { BinaryLabelMetrics, EvaluationMetrics, Interval } from '../metrics/index.js';
import { pretrainJob } from '../pretrain/pretrain-job.js';
import type { LabelBudget, PipelineParams } from './pipeline-params.js';
import { PIPELINE_PRESETS, type PipelinePretrainSettings, type PresetName } from './presets.js';

export interface PipelineRunConfig {
  preset: PresetName;
  labelSetId: number;
  labelSetName: string;
  labels: LabelBudget;
  seed: number;
  splitId: number;
  pretrain: PipelinePretrainSettings;
  downstream: DownstreamSettings;
  arms: ArmName[];
  /** A completed pretraining reused instead of a new one. */
  pretrainRunId: number | null;
  sweep: { budgets: LabelBudget[]; seeds: number[] } | null;
}

export interface ArmSummary {
  runId: number;
  macroAuroc: number | null;
  macroAurocCi95: Interval;
  perLabel: Record<string, { auroc: number | null; auprc: number | null; f1: number; sensitivity: number; specificity: number; ci95: Interval }>;
  budget: ArmResult['budget'];
  seed: number;
  warnings: string[];
}

export interface PipelineResult {
  pipeline: number;
  kind: 'pipeline' | 'sweep';
  pretrainRun: number;
  /** The arms at the pipeline's own budget and seed. */
  arms: Partial<Record<ArmName, ArmSummary>>;
  /** Every (arm, budget, seed) of a sweep. */
  points?: (ArmSummary & { arm: ArmName })[];
  predictions: string;
  backend: string;
}

export const pipelineJob: JobHandler<PipelineParams, PipelineResult> = async (ctx, params) => {
  const { project } = ctx;
  const runs = new RunsRepository(project.db);
  const ownRun = project.db.prepare('SELECT run_id FROM jobs WHERE id = ?').pluck().get(ctx.jobId) as number | null | undefined;
  const existingId = params.runId ?? ownRun ?? null;
  const existing = existingId !== null ? runs.get(existingId) : null;
  if (existingId !== null && (!existing || (existing.kind !== 'pipeline' && existing.kind !== 'sweep'))) throw new JobInputError(`No pipeline run ${existingId} in this project.`);

  // ---- 1. preparation ----
  ctx.progress({ fraction: 0, message: 'Preparing: label set and patient split' });
  const config = existing ? (existing.config as PipelineRunConfig) : resolvePipelineConfig(ctx, params);
  const runId =
    existing?.id ??
    runs.create({
      kind: config.sweep ? 'sweep' : 'pipeline',
      name: pipelineName(config),
      config,
      seed: config.seed,
      appVersion: APP_VERSION,
      splitId: config.splitId,
      labelSetId: config.labelSetId,
    });
  project.db.prepare('UPDATE jobs SET run_id = ? WHERE id = ?').run(runId, ctx.jobId);
  runs.markRunning(runId, null);

  try {
    // The training cache is derived data: remake any record that is missing (1 % … 5 %).
    try {
      const repair = await repairTrainingCache(project, {
        signal: ctx.signal,
        onProgress: (done, total) => ctx.progress({ fraction: 0.01 + (0.04 * done) / total, message: `Preparing: rebuilding the training cache, ${done} of ${total} images` }),
      });
      if (repair.rebuilt > 0) ctx.progress({ fraction: 0.05, message: `Preparing: rebuilt ${repair.rebuilt} training-cache records from the source files` });
    } catch (err) {
      if (err instanceof CacheRepairError) throw new JobInputError(err.message);
      throw err;
    }

    // ---- 2. DINO pretraining (5 % … 60 % of the bar) ----
    const children = runs.children(runId);
    let pretrainRunId = config.pretrainRunId;
    let backend = '';
    if (pretrainRunId === null) {
      const child = children.find((r) => r.kind === 'pretrain');
      if (child?.status === 'completed') {
        pretrainRunId = child.id;
      } else {
        const p = config.pretrain;
        const result = await pretrainJob(
          stageContext(ctx, 0.05, 0.55, 'DINO pretraining · '),
          {
            ...(child ? { runId: child.id } : {}),
            parentRunId: runId,
            arch: p.arch,
            patch: p.patch,
            ...(p.custom ? { custom: p.custom } : {}),
            ...(p.resnetWidths ? { resnetWidths: p.resnetWidths } : {}),
            epochs: p.epochs,
            batch: p.batch,
            outDim: p.outDim,
            globalSize: p.globalSize,
            localSize: p.localSize,
            localCrops: p.localCrops,
            headHiddenDim: p.headHiddenDim,
            seed: config.seed,
            splitId: config.splitId,
            checkpointEvery: p.checkpointEvery,
            ...(p.headBottleneckDim !== undefined ? { headBottleneckDim: p.headBottleneckDim } : {}),
            ...(p.warmupEpochs !== undefined ? { warmupEpochs: p.warmupEpochs } : {}),
            ...(p.lr !== undefined ? { lr: p.lr } : {}),
            ...(p.teacherTemp !== undefined ? { teacherTemp: p.teacherTemp } : {}),
            ...(p.warmupTeacherTempEpochs !== undefined ? { warmupTeacherTempEpochs: p.warmupTeacherTempEpochs } : {}),
            ...(p.momentumTeacher !== undefined ? { momentumTeacher: p.momentumTeacher } : {}),
            ...(p.dropPath !== undefined ? { dropPath: p.dropPath } : {}),
            ...(params.backend ? { backend: params.backend } : {}),
          },
        );
        if (!result.finished) throw new Error('pretraining stopped before its last step');
        pretrainRunId = result.runId;
        backend = result.backend;
      }
    }

    // ---- 3.–4. downstream arms and their evaluation (60 % … 98 %) ----
    const budgets = config.sweep ? config.sweep.budgets : [config.labels];
    const seeds = config.sweep ? config.sweep.seeds : [config.seed];
    const tasks: { arm: ArmName; budget: LabelBudget; seed: number }[] = [];
    for (const budget of budgets) for (const seed of seeds) for (const arm of config.arms) tasks.push({ arm, budget, seed });
    const points: (ArmSummary & { arm: ArmName })[] = [];
    const evaluationIds: number[] = [];
    for (const [i, task] of tasks.entries()) {
      ctx.signal.throwIfAborted();
      const child = runs.children(runId).find((r) => isArmRun(r, task.arm, task.budget, task.seed));
      const label = `${task.arm}${tasks.length > 1 ? ` (${i + 1}/${tasks.length}, ${budgetText(task.budget)}, seed ${task.seed})` : ''} · `;
      const window = { start: 0.6 + (0.38 * i) / tasks.length, span: 0.38 / tasks.length, label };
      const result =
        child?.status === 'completed'
          ? storedArmResult(runs, child)
          : await runArm(ctx, {
              ...(child ? { runId: child.id } : {}),
              arm: task.arm,
              parentRunId: runId,
              pretrainRunId,
              labelSet: config.labelSetName,
              labels: task.budget,
              seed: task.seed,
              splitId: config.splitId,
              preset: config.preset,
              downstream: config.downstream,
              ...(params.backend ? { backend: params.backend } : {}),
            }, window);
      backend ||= result.backend;
      points.push({ arm: task.arm, ...summarise(result) });
      evaluationIds.push(result.testEvaluationId);
    }

    // ---- summary ----
    ctx.progress({ fraction: 0.99, message: 'Writing the predictions' });
    const predictions = path.join(project.dir, 'reports', `pipeline-${runId}-predictions.csv`);
    await writePredictionsCsv(project.db, evaluationIds, predictions, { withRun: true });
    const own = points.filter((p) => sameBudget(p.budget, config.labels) && p.seed === config.seed);
    const arms: PipelineResult['arms'] = {};
    for (const p of own) {
      const { arm, ...summary } = p;
      arms[arm] = summary;
    }
    runs.finish(runId, 'completed');
    const result: PipelineResult = { pipeline: runId, kind: config.sweep ? 'sweep' : 'pipeline', pretrainRun: pretrainRunId, arms, predictions, backend };
    if (config.sweep) result.points = points;
    ctx.progress({ fraction: 1, message: `Done: ${Object.entries(arms).map(([arm, a]) => `${arm} ${a.macroAuroc?.toFixed(3) ?? '—'}`).join(' · ')}` });
    return result;
  } catch (err) {
    if (ctx.signal.aborted) runs.finish(runId, 'paused');
    else runs.finish(runId, 'failed', err instanceof Error ? err.message : String(err));
    throw err;
  }
};

function resolvePipelineConfig(ctx: JobContext, params: PipelineParams): PipelineRunConfig {
  const { db } = ctx.project;
  let labelSet;
  try {
    labelSet = findLabelSet(db, params.labelSet);
  } catch (err) {
    if (err instanceof DownstreamDataError) throw new JobInputError(err.message);
    throw err;
  }
  let splitId = params.splitId ?? (db.prepare('SELECT max(id) FROM splits').pluck().get() as number | null);
  if (splitId === null) {
    // One click must work on a fresh project: 70/15/15 by patient, stratified on the labels.
    splitId = createPatientSplit(db, { name: 'pipeline default', seed: params.seed, fractions: { train: 0.7, val: 0.15, test: 0.15 }, labelSetId: labelSet.id }).id;
    ctx.progress({ fraction: 0.01, message: `Made a patient split (70/15/15, stratified on "${labelSet.name}")` });
  }
  if (params.pretrainRunId !== undefined) {
    const run = new RunsRepository(db).get(params.pretrainRunId);
    if (!run || run.kind !== 'pretrain' || run.status !== 'completed') throw new JobInputError(`Pretraining run ${params.pretrainRunId} does not exist or has not completed.`);
  }
  const preset = PIPELINE_PRESETS[params.preset];
  return {
    preset: params.preset,
    labelSetId: labelSet.id,
    labelSetName: labelSet.name,
    labels: params.labels,
    seed: params.seed,
    splitId,
    pretrain: { ...preset.pretrain, ...params.pretrain } as PipelinePretrainSettings,
    downstream: { ...preset.downstream, ...params.downstream } as DownstreamSettings,
    arms: [...new Set(params.arms)],
    pretrainRunId: params.pretrainRunId ?? null,
    sweep: params.sweep ?? null,
  };
}

/** A stage's view of the job: its progress mapped into [start, start + span] of the pipeline's bar. */
function stageContext(ctx: JobContext, start: number, span: number, label: string): JobContext {
  return {
    jobId: ctx.jobId,
    project: ctx.project,
    signal: ctx.signal,
    progress: (p) => ctx.progress({ ...p, fraction: start + span * Math.min(1, Math.max(0, p.fraction)), message: `${label}${p.message}` }),
  };
}

export function budgetText(b: LabelBudget): string {
  return b.kind === 'fraction' ? `${+(b.value * 100).toFixed(2)} % of labelled patients` : `${b.value} labelled images`;
}

function pipelineName(c: PipelineRunConfig): string {
  return c.sweep ? `Sweep ${c.preset} · ${c.labelSetName} · ${c.sweep.budgets.length} budgets × ${c.sweep.seeds.length} seeds` : `Pipeline ${c.preset} · ${c.labelSetName} · ${budgetText(c.labels)}`;
}

function sameBudget(a: { kind: string; value: number }, b: LabelBudget): boolean {
  return a.kind === b.kind && a.value === b.value;
}

function isArmRun(run: RunRecord, arm: ArmName, budget: LabelBudget, seed: number): boolean {
  if (run.kind !== ARM_RUN_KIND[arm]) return false;
  const c = run.config as ArmRunConfig;
  return c.arm === arm && c.seed === seed && sameBudget(c.budget, budget);
}

function storedArmResult(runs: RunsRepository, run: RunRecord): ArmResult {
  const c = run.config as ArmRunConfig;
  const test = runs.evaluation(run.id, 'test');
  if (!test) throw new Error(`completed run ${run.id} has no test evaluation`);
  const metrics = test.metrics as EvaluationMetrics;
  return {
    runId: run.id,
    arm: c.arm,
    status: 'completed',
    macroAuroc: metrics.macroAuroc,
    test: metrics,
    testEvaluationId: test.id,
    budget: c.budget,
    seed: c.seed,
    bestEpoch: null,
    warnings: evaluationWarnings(metrics),
    backend: (run.engine as { backend?: string } | null)?.backend ?? '',
    classifier: '',
  };
}

export function summarise(result: ArmResult): ArmSummary {
  const perLabel: ArmSummary['perLabel'] = {};
  for (const l of result.test.perLabel as BinaryLabelMetrics[]) {
    perLabel[l.label] = { auroc: l.auroc, auprc: l.auprc, f1: l.f1, sensitivity: l.sensitivity, specificity: l.specificity, ci95: l.ci95 };
  }
  return { runId: result.runId, macroAuroc: result.macroAuroc, macroAurocCi95: result.test.ci.macroAuroc, perLabel, budget: result.budget, seed: result.seed, warnings: result.warnings };
}
