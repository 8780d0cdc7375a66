/**
 * One downstream arm at one label budget, as a resumable job (`finetune`): DINO k-NN on frozen
 * features, the DINO linear probe, DINO fine-tuning, or the supervised baseline (the same
 * architecture from scratch). Each trains on the budget's training images, selects its model on
 * validation, and is then scored once on the test split (`evaluate-arm.ts`).
 *
 * The run stores its resolved settings, the backbone's source, the budget actually drawn and a
 * hash of its data; a resumed run refuses data that changed. Fine-tuning and the baseline keep an
 * epoch checkpoint, so a kill loses at most one epoch; k-NN and the probe are cheap and simply
 * recompute their features.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { APP_VERSION } from '../../app/version.js';
import { TrainingCache } from '../../imaging/training-cache.js';
import type { JobContext, JobHandler } from '../../jobs/job-context.js';
import { JobInputError } from '../../jobs/protocol.js';
import type { SqliteDatabase } from '../../project/database.js';
import { RunsRepository } from '../../project/runs.js';
import { extractCacheFeatures } from '../embed/extract.js';
import { loadEngine, type Tf } from '../engine/index.js';
import { registerWasmTrainingKernels } from '../engine/wasm-kernels.js';
import type { EvaluationMetrics } from '../metrics/index.js';
import type { Backbone } from '../models/backbone.js';
import { ResNet } from '../models/resnet.js';
import { ViT } from '../models/vit.js';
import { PIPELINE_PRESETS } from '../pipeline/presets.js';
import { backboneConfig, resnetBackboneConfig, type BackboneSpec } from '../pretrain/dino-model.js';
import type { PretrainRunConfig } from '../pretrain/pretrain-job.js';
import { readSafetensors } from '../weights/safetensors.js';
import { loadClassifierState, saveClassifierState } from './classifier-state.js';
import { ARM_RUN_KIND, type ArmName, type DownstreamSettings } from './downstream-config.js';
import { DownstreamDataError, selectDownstreamData, type DownstreamData, type LabelledSubset, type ResolvedBudget } from './downstream-data.js';
import { evaluateArm } from './evaluate-arm.js';
import type { FinetuneParams } from './finetune-params.js';
import { knnScores } from './knn-scores.js';
import { LinearHead } from './linear-head.js';
import { fineTuneLrScales } from './lr-scales.js';
import { toProbabilities } from './scoring.js';
import { predictLogits, trainNetwork, type EpochReport } from './train-network.js';
import { trainProbe } from './train-probe.js';
import { loadBackboneWeights } from '../weights/any-backbone.js';

/** What an arm run stores as its config. */
export interface ArmRunConfig {
  arm: ArmName;
  backbone: BackboneSpec;
  /** Where the starting weights came from; null for the supervised baseline (random init). */
  source: { pretrainRunId: number | null; weights: string | null } | null;
  labelSetId: number;
  labelSetName: string;
  budget: ResolvedBudget;
  settings: DownstreamSettings & { inputSize: number };
  seed: number;
}

export interface ArmResult {
  runId: number;
  arm: ArmName;
  status: 'completed';
  macroAuroc: number | null;
  test: EvaluationMetrics;
  testEvaluationId: number;
  budget: ResolvedBudget;
  seed: number;
  bestEpoch: number | null;
  warnings: string[];
  backend: string;
  /** The selected classifier (backbone + head; k-NN: the backbone only). */
  classifier: string;
}

/** Progress of an arm inside a larger job (a pipeline): its share of the overall bar. */
export interface ProgressWindow {
  start: number;
  span: number;
  label: string;
}

export const finetuneJob: JobHandler<FinetuneParams, ArmResult> = (ctx, params) => runArm(ctx, params);

export function armClassifierFile(projectDir: string, runId: number): string {
  return path.join(projectDir, 'checkpoints', `run-${runId}`, 'classifier.safetensors');
}

export async function runArm(ctx: JobContext, params: FinetuneParams, window: ProgressWindow = { start: 0, span: 1, label: '' }): Promise<ArmResult> {
  const { project } = ctx;
  const runs = new RunsRepository(project.db);
  const ownRun = params.parentRunId === undefined ? (project.db.prepare('SELECT run_id FROM jobs WHERE id = ?').pluck().get(ctx.jobId) as number | null | undefined) : null;
  const existingId = params.runId ?? ownRun ?? null;
  const existing = existingId !== null ? runs.get(existingId) : null;
  if (existingId !== null && (!existing || existing.kind !== ARM_RUN_KIND[params.arm])) throw new JobInputError(`No ${params.arm} run ${existingId} in this project.`);

  const config = existing ? (existing.config as ArmRunConfig) : null;
  const splitId = existing?.splitId ?? params.splitId ?? (project.db.prepare('SELECT max(id) FROM splits').pluck().get() as number | null);
  if (splitId === null) throw new JobInputError('The project has no patient split: make one first (octdino split --project DIR), or run the pipeline, which makes one.');
  let data: DownstreamData;
  try {
    data = config
      ? selectDownstreamData(project.db, { labelSetId: config.labelSetId, splitId, budget: { kind: config.budget.kind, value: config.budget.value } as FinetuneParams['labels'], seed: config.seed })
      : selectDownstreamData(project.db, { ...(params.labelSet !== undefined ? { labelSet: params.labelSet } : {}), splitId, budget: params.labels, seed: params.seed });
  } catch (err) {
    if (err instanceof DownstreamDataError) throw new JobInputError(err.message);
    throw err;
  }
  // A finished run may be re-evaluated on corrected labels; an unfinished one must not train on changed data.
  if (existing && existing.status !== 'completed' && (existing.data as { hash?: string } | null)?.hash !== data.hash) {
    throw new JobInputError(`The labels or images of run ${existing.id} changed since it started (data hash differs): start a new run instead.`);
  }
  const resolved = config ?? resolveArmConfig(project.db, params, data);
  const seed = resolved.seed;
  const say = (fraction: number, message: string, extra: { etaSeconds?: number; metrics?: Record<string, number> } = {}): void =>
    ctx.progress({ fraction: window.start + window.span * Math.min(1, fraction), message: `${window.label}${message}`, ...extra });

  const { tf, report } = await loadEngine(params.backend ? { only: [params.backend] } : {});
  const engine = { backend: report.active.name, package: report.active.package, device: report.active.device, tfjs: report.tfjsVersion };
  const runId =
    existing?.id ??
    runs.create({
      kind: ARM_RUN_KIND[resolved.arm],
      name: resolved.arm,
      config: resolved,
      seed,
      appVersion: APP_VERSION,
      splitId,
      labelSetId: resolved.labelSetId,
      parentRunId: params.parentRunId ?? null,
      data: { hash: data.hash, splitId, trainImageIds: data.train.imageIds, valImages: data.val.imageIds.length, testImages: data.test.imageIds.length },
    });
  if (params.parentRunId === undefined) project.db.prepare('UPDATE jobs SET run_id = ? WHERE id = ?').run(runId, ctx.jobId);
  const runDir = path.join(project.dir, 'checkpoints', `run-${runId}`);
  const classifierFile = armClassifierFile(project.dir, runId);
  runs.markRunning(runId, engine);

  const cache = TrainingCache.open(project.path('cache'));
  const L = data.labelSet.labels.length;
  const task = data.labelSet.kind;
  const s = resolved.settings;
  const backbone = buildBackbone(tf, resolved.backbone, seed);
  const head = new LinearHead(tf, backbone.outDim, L, seed);
  try {
    let bestEpoch: number | null = null;
    let scores: { val: Float32Array; test: Float32Array };
    const recordEpoch = (r: EpochReport, fractionOfArm: number): void => {
      runs.recordStep(runId, r.epoch, r.epoch, { train_loss: r.trainLoss, val_loss: r.valLoss, lr: r.lr, ...(r.valScore !== null ? { val_macro_auroc: r.valScore } : {}) });
      say(fractionOfArm, `epoch ${r.epoch + 1}/${r.epochs} · loss ${r.trainLoss.toFixed(4)} · val AUROC ${r.valScore?.toFixed(3) ?? '—'}`, {
        etaSeconds: r.secondsPerEpoch * (r.epochs - r.epoch - 1),
        metrics: { epoch: r.epoch + 1, train_loss: r.trainLoss, val_loss: r.valLoss, ...(r.valScore !== null ? { val_macro_auroc: r.valScore } : {}) },
      });
    };

    if (existing?.status === 'completed' && existsSync(classifierFile)) {
      // Re-evaluation of a finished arm: the stored classifier, scored again.
      await loadClassifierState(tf, { backbone, head }, classifierFile);
      scores = resolved.arm === 'dino_knn' ? await knnArmScores(tf, cache, backbone, data, s.inputSize, ctx.signal) : await headScores(tf, cache, backbone, head, data, s.inputSize, task, ctx.signal);
    } else {
      if (resolved.source) await loadPretrainedBackbone(backbone, resolved.source.weights ?? teacherWeightsFile(project.dir, resolved.source.pretrainRunId));
      if (resolved.arm === 'dino_knn') {
        say(0.1, 'k-NN on frozen features');
        scores = await knnArmScores(tf, cache, backbone, data, s.inputSize, ctx.signal);
        await saveClassifierState({ backbone, head }, classifierFile, { arm: resolved.arm, run: String(runId) });
      } else if (resolved.arm === 'dino_linear') {
        say(0.05, 'features of the labelled images');
        const features = await subsetFeatures(tf, cache, backbone, [data.train, data.val], s.inputSize, ctx.signal);
        const probe = await trainProbe({
          tf,
          task,
          numOutputs: L,
          dim: backbone.outDim,
          trainFeatures: features[0]!,
          trainTruth: data.train.truth,
          valFeatures: features[1]!,
          valTruth: data.val.truth,
          head,
          settings: { epochs: s.linearEpochs, lr: s.linearLr, weightDecay: s.linearWeightDecay, batch: 256, maxPosWeight: s.maxPosWeight },
          seed,
          signal: ctx.signal,
          onEpoch: (r) => {
            if (r.epoch % 10 === 9 || r.epoch === r.epochs - 1) recordEpoch(r, 0.1 + (0.7 * (r.epoch + 1)) / r.epochs);
          },
        });
        bestEpoch = probe.bestEpoch;
        await saveClassifierState({ backbone, head }, classifierFile, { arm: resolved.arm, run: String(runId), bestEpoch: String(bestEpoch) });
        scores = await headScores(tf, cache, backbone, head, data, s.inputSize, task, ctx.signal);
      } else {
        const supervised = resolved.arm === 'supervised';
        const lrScale = supervised ? new Map<string, number>() : fineTuneLrScales(backbone, s.backboneLrScale, s.layerDecay);
        const trained = await trainNetwork({
          tf,
          cache,
          task,
          numOutputs: L,
          train: data.train,
          val: data.val,
          backbone,
          head,
          settings: {
            epochs: s.finetuneEpochs,
            batch: s.batch,
            lr: supervised ? s.supervisedLr : s.finetuneLr,
            lrScale,
            weightDecay: s.weightDecay,
            warmupEpochs: s.warmupEpochs,
            patience: s.patience,
            inputSize: s.inputSize,
            cropScale: s.cropScale,
            maxPosWeight: s.maxPosWeight,
          },
          seed,
          checkpointFile: path.join(runDir, 'epoch.safetensors'),
          bestFile: classifierFile,
          signal: ctx.signal,
          onEpoch: (r) => recordEpoch(r, (0.85 * (r.epoch + 1)) / r.epochs),
        });
        bestEpoch = trained.bestEpoch;
        scores = await headScores(tf, cache, backbone, head, data, s.inputSize, task, ctx.signal);
      }
    }
    say(0.9, 'evaluating on the test split');
    const evaluation = evaluateArm(runs, runId, resolved.arm, data, scores, { resamples: s.bootstrap, seed });
    runs.finish(runId, 'completed');
    say(1, `done · test macro AUROC ${evaluation.test.macroAuroc?.toFixed(3) ?? '—'}`);
    return {
      runId,
      arm: resolved.arm,
      status: 'completed',
      macroAuroc: evaluation.test.macroAuroc,
      test: evaluation.test,
      testEvaluationId: evaluation.testEvaluationId,
      budget: data.budget,
      seed,
      bestEpoch,
      warnings: evaluation.warnings,
      backend: engine.backend,
      classifier: classifierFile,
    };
  } catch (err) {
    if (ctx.signal.aborted) runs.finish(runId, 'paused');
    else runs.finish(runId, 'failed', err instanceof Error ? err.message : String(err));
    throw err;
  } finally {
    backbone.dispose();
    head.dispose();
    await cache.close();
  }
}

function resolveArmConfig(db: SqliteDatabase, params: FinetuneParams, data: DownstreamData): ArmRunConfig {
  const preset = PIPELINE_PRESETS[params.preset];
  let backbone: BackboneSpec;
  let inputSize: number;
  let pretrainRunId: number | null = null;
  if (params.pretrainRunId !== undefined) {
    const run = new RunsRepository(db).get(params.pretrainRunId);
    if (!run || run.kind !== 'pretrain') throw new JobInputError(`No pretraining run ${params.pretrainRunId} in this project.`);
    if (run.status !== 'completed' && params.arm !== 'supervised') throw new JobInputError(`Pretraining run ${run.id} is ${run.status}; finish it first (octdino pretrain --run ${run.id}).`);
    const c = run.config as PretrainRunConfig;
    backbone = c.backbone;
    inputSize = c.dino.globalCropSize;
    pretrainRunId = run.id;
  } else {
    const arch = params.arch ?? preset.pretrain.arch;
    backbone = {
      arch,
      patch: params.patch ?? preset.pretrain.patch,
      ...(params.custom ? { custom: params.custom } : {}),
      ...(params.resnetWidths ? { widths: params.resnetWidths } : {}),
    };
    inputSize = preset.pretrain.globalSize;
  }
  if (params.arm !== 'supervised' && pretrainRunId === null && params.weights === undefined) {
    throw new JobInputError(`The ${params.arm} arm needs a pretrained backbone: pass a pretraining run (--pretrain-run ID) or a weights file (--weights FILE).`);
  }
  const settings = { ...preset.downstream, ...params.downstream };
  return {
    arm: params.arm,
    backbone,
    source: params.arm === 'supervised' ? null : { pretrainRunId, weights: params.weights ? path.resolve(params.weights) : null },
    labelSetId: data.labelSet.id,
    labelSetName: data.labelSet.name,
    budget: data.budget,
    settings: { ...settings, inputSize: settings.inputSize ?? inputSize },
    seed: params.seed,
  };
}

export function teacherWeightsFile(projectDir: string, pretrainRunId: number | null): string {
  if (pretrainRunId === null) throw new JobInputError('No pretrained weights given.');
  return path.join(projectDir, 'checkpoints', `run-${pretrainRunId}`, 'teacher-backbone.safetensors');
}

/** The backbone of a spec, as a student (trainable, batch statistics in training). */
export function buildBackbone(tf: Tf, spec: BackboneSpec, seed: number): Backbone {
  if (spec.arch === 'resnet18') {
    if (tf.getBackend() === 'wasm') registerWasmTrainingKernels(tf);
    return new ResNet(tf, resnetBackboneConfig(spec, 'student', seed));
  }
  return new ViT(tf, backboneConfig(spec, 0, seed));
}

async function loadPretrainedBackbone(backbone: Backbone, file: string): Promise<void> {
  if (!existsSync(file)) throw new JobInputError(`Pretrained weights ${file} are missing: re-run or resume the pretraining.`);
  loadBackboneWeights(backbone, readSafetensors(await readFile(file)).tensors);
}

async function subsetFeatures(tf: Tf, cache: TrainingCache, backbone: Backbone, subsets: LabelledSubset[], inputSize: number, signal: AbortSignal): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const subset of subsets) out.push((await extractCacheFeatures(tf, backbone, cache, subset.slots, { inputSize, batchSize: 32, signal })).features);
  return out;
}

async function knnArmScores(tf: Tf, cache: TrainingCache, backbone: Backbone, data: DownstreamData, inputSize: number, signal: AbortSignal): Promise<{ val: Float32Array; test: Float32Array }> {
  const [train, val, test] = await subsetFeatures(tf, cache, backbone, [data.train, data.val, data.test], inputSize, signal);
  const common = { dim: backbone.outDim, task: data.labelSet.kind, numOutputs: data.labelSet.labels.length, bankFeatures: train!, bankTruth: data.train.truth };
  return { val: knnScores({ ...common, queryFeatures: val! }, { tf }), test: knnScores({ ...common, queryFeatures: test! }, { tf }) };
}

async function headScores(
  tf: Tf,
  cache: TrainingCache,
  backbone: Backbone,
  head: LinearHead,
  data: DownstreamData,
  inputSize: number,
  task: DownstreamData['labelSet']['kind'],
  signal: AbortSignal,
): Promise<{ val: Float32Array; test: Float32Array }> {
  const L = head.outDim;
  const probs = async (subset: LabelledSubset): Promise<Float32Array> => toProbabilities(await predictLogits(tf, { cache, subset, backbone, head, inputSize, signal }), L, task);
  return { val: await probs(data.val), test: await probs(data.test) };
}

