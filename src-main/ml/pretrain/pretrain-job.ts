/**
 * The `pretrain` job: DINO self-supervised pretraining on the project's training cache, in a
 * worker process, on the best TensorFlow.js backend available.
 *
 * One loop iteration = one step of the reference's `train_one_epoch`: read a batch of cache
 * records, make the multi-crop views, run `dinoStep`, record every scalar of the collapse
 * monitor in SQLite. A checkpoint is written every `checkpointEvery` steps, at each epoch end
 * and when the user cancels, so a cancelled, killed or crashed run resumes from its last
 * checkpoint and — since data order, crops and drop-path derive from (seed, step) — continues
 * exactly as if it had not stopped.
 */
import { rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { APP_VERSION } from '../../app/version.js';
import { TrainingCache } from '../../imaging/training-cache.js';
import type { JobHandler } from '../../jobs/job-context.js';
import { JobInputError } from '../../jobs/protocol.js';
import { RunsRepository } from '../../project/runs.js';
import { augmentRng, multiCrop, multiCropOptionsFromConfig } from '../augment/multi-crop.js';
import { DEFAULT_DINO_CONFIG, makeDinoConfig, type DinoConfig } from '../dino/config.js';
import { dinoStep } from '../dino/dino-step.js';
import { KnnMonitor } from '../eval/knn-monitor.js';
import { loadEngine } from '../engine/index.js';
import { readSafetensors } from '../weights/safetensors.js';
import { loadCheckpoint, saveCheckpoint, type TrainingPosition } from './checkpoint.js';
import { buildDinoModel, type BackboneSpec } from './dino-model.js';
import { defaultMicroBatch } from './micro-batch.js';
import { epochOrder, selectPretrainData } from './pretrain-data.js';
import type { PretrainParams } from './pretrain-params.js';
import { loadBackboneWeights, exportBackboneWeights } from '../weights/any-backbone.js';

/** What a pretraining run stores as its config: enough to rebuild the exact model. */
export interface PretrainRunConfig {
  dino: DinoConfig;
  backbone: BackboneSpec;
  checkpointEvery: number;
  /** Images per forward/backward (gradient accumulation); fixed for the run so a resume is exact. */
  microBatch: number | null;
  init: string | null;
}

export interface PretrainResult {
  runId: number;
  steps: number;
  totalSteps: number;
  epochsDone: number;
  finished: boolean;
  finalLoss: number | null;
  checkpoint: string | null;
  /** The teacher's backbone (the network DINO evaluates), reference parameter names. */
  backboneWeights: string | null;
  backend: string;
  secondsPerStep: number | null;
}

const KEEP_PERIODIC_CHECKPOINTS = 2;

/**
 * The teacher momentum of a run of `totalSteps` steps when the user does not set one. The
 * reference's 0.996 was tuned for ~125k steps (100 ImageNet epochs); its EMA remembers ~250
 * steps, so in a run of a few hundred steps the teacher would stay close to the untrained
 * network and the targets would carry no information (observed on the demo data). The teacher's
 * memory 1/(1 − m) is therefore kept to at most a tenth of the run: m = min(0.996, 1 − 10/T).
 */
export function defaultTeacherMomentum(totalSteps: number): number {
  return Math.min(DEFAULT_DINO_CONFIG.momentumTeacher, Math.max(0.9, 1 - 10 / Math.max(1, totalSteps)));
}

function resolveConfig(params: PretrainParams, imageCount: number): PretrainRunConfig {
  // The reference warms the lr up over 10 of 100 epochs; short runs keep that proportion
  // unless the user sets it (a 10-epoch warm-up would never finish in a 5-epoch run).
  const warmupEpochs = params.warmupEpochs ?? Math.min(DEFAULT_DINO_CONFIG.warmupEpochs, Math.floor(params.epochs / 10));
  const totalSteps = params.epochs * Math.max(1, Math.floor(imageCount / params.batch));
  const dino = makeDinoConfig({
    warmupEpochs,
    epochs: params.epochs,
    batchSize: params.batch,
    outDim: params.outDim,
    globalCropSize: params.globalSize,
    localCropSize: params.localSize,
    localCropsNumber: params.localCrops,
    ...(params.lr !== undefined ? { lr: params.lr } : {}),
    ...(params.teacherTemp !== undefined ? { teacherTemp: params.teacherTemp } : {}),
    ...(params.warmupTeacherTempEpochs !== undefined ? { warmupTeacherTempEpochs: params.warmupTeacherTempEpochs } : {}),
    momentumTeacher: params.momentumTeacher ?? defaultTeacherMomentum(totalSteps),
    ...(params.headHiddenDim !== undefined ? { headHiddenDim: params.headHiddenDim } : {}),
    ...(params.headBottleneckDim !== undefined ? { headBottleneckDim: params.headBottleneckDim } : {}),
    ...(params.dropPath !== undefined ? { dropPathRate: params.dropPath } : {}),
  });
  return {
    dino,
    backbone: {
      arch: params.arch,
      patch: params.patch,
      ...(params.custom ? { custom: params.custom } : {}),
      ...(params.resnetWidths ? { widths: params.resnetWidths } : {}),
    },
    checkpointEvery: params.checkpointEvery,
    microBatch: params.microBatch ?? null,
    init: params.init ? path.resolve(params.init) : null,
  };
}

export const pretrainJob: JobHandler<PretrainParams, PretrainResult> = async (ctx, params) => {
  const { project } = ctx;
  const runs = new RunsRepository(project.db);
  // A resumed job (same params) finds its run through the job row.
  // (As a stage of a pipeline the job row belongs to the pipeline run: the caller passes runId.)
  const ownRun = params.parentRunId === undefined ? (project.db.prepare('SELECT run_id FROM jobs WHERE id = ?').pluck().get(ctx.jobId) as number | null) : null;
  const existingId = params.runId ?? ownRun ?? null;
  const existing = existingId !== null ? runs.get(existingId) : null;
  if (existingId !== null && (!existing || existing.kind !== 'pretrain')) throw new JobInputError(`No pretraining run ${existingId} in this project.`);
  if (existing?.status === 'completed') throw new JobInputError(`Run ${existingId} has already completed.`);

  const seed = existing ? existing.seed : params.seed;
  const data = selectPretrainData(project.db, existing ? ((existing.data as { splitId: number | null }).splitId ?? null) : (params.splitId ?? null));
  const config = existing ? (existing.config as PretrainRunConfig) : resolveConfig(params, data.imageIds.length);
  const batch = config.dino.batchSize;
  if (data.imageIds.length < batch) {
    throw new JobInputError(`Pretraining needs at least one batch of ${batch} images; the project has ${data.imageIds.length} usable images. Import more images or lower --batch.`);
  }
  if (existing && (existing.data as { hash: string }).hash !== data.hash) {
    throw new JobInputError(`The project's images changed since run ${existing.id} started (data hash differs): start a new run instead of resuming.`);
  }

  const { tf, report } = await loadEngine(params.backend ? { only: [params.backend] } : {});
  const engine = { backend: report.active.name, package: report.active.package, device: report.active.device, tfjs: report.tfjsVersion };
  // Chosen once, when the run starts, and stored with it (see defaultMicroBatch).
  if (!existing && config.microBatch === null) config.microBatch = defaultMicroBatch(engine.backend, config.backbone, config.dino) ?? null;
  const runId =
    existing?.id ??
    runs.create({
      kind: 'pretrain',
      name: config.backbone.arch === 'resnet18' ? 'DINO resnet18' : `DINO ${config.backbone.arch}/${config.backbone.patch}`,
      config,
      seed,
      appVersion: APP_VERSION,
      splitId: data.splitId,
      parentRunId: params.parentRunId ?? null,
      data: { imageCount: data.imageIds.length, hash: data.hash, splitId: data.splitId, excludedTestImages: data.excludedTestImages, imageIds: data.imageIds },
    });
  if (params.parentRunId === undefined) project.db.prepare('UPDATE jobs SET run_id = ? WHERE id = ?').run(runId, ctx.jobId);
  runs.markRunning(runId, engine);

  const stepsPerEpoch = Math.floor(data.imageIds.length / batch); // drop_last, as the reference
  const model = buildDinoModel(tf, config.dino, config.backbone, seed, stepsPerEpoch, config.microBatch ?? undefined);
  const cache = TrainingCache.open(project.path('cache'));
  const runDir = project.path('checkpoints', `run-${runId}`);
  const cropOptions = multiCropOptionsFromConfig(config.dino);
  const totalSteps = model.parts.schedules.totalSteps;
  let position: TrainingPosition = { step: 0, epoch: 0 };
  let lastLoss: number | null = null;
  let lastCheckpoint: string | null = null;
  const started = Date.now();
  let stepsThisRun = 0;

  const checkpoint = async (kind: 'periodic' | 'final'): Promise<void> => {
    const file = path.join(runDir, kind === 'final' ? 'final.safetensors' : `step-${String(position.step).padStart(7, '0')}.safetensors`);
    const bytes = await saveCheckpoint(model, position, file, { runId: String(runId), seed: String(seed) });
    runs.addCheckpoint(runId, { step: position.step, epoch: position.epoch, kind, relPath: path.relative(project.dir, file), byteSize: bytes, metrics: lastLoss === null ? {} : { loss: lastLoss } });
    lastCheckpoint = file;
    for (const stale of runs.stalePeriodicCheckpoints(runId, KEEP_PERIODIC_CHECKPOINTS)) {
      rmSync(path.join(project.dir, stale.relPath), { force: true });
      runs.deleteCheckpoint(stale.id);
    }
  };

  try {
    const resumeFrom = runs.latestCheckpoint(runId);
    if (resumeFrom) {
      position = await loadCheckpoint(tf, model, path.join(project.dir, resumeFrom.relPath));
    } else if (config.init) {
      const weights = readSafetensors(await readFile(config.init));
      loadBackboneWeights(model.student.backbone, weights.tensors);
      loadBackboneWeights(model.teacher.backbone, weights.tensors);
    }
    // Online k-NN monitor: chosen once per run so that the epochs' scores are comparable.
    const knn = KnnMonitor.prepare(project.db, data.splitId, { seed, inputSize: config.dino.globalCropSize });
    ctx.progress({ fraction: position.step / totalSteps, message: knn.monitor ? knn.monitor.description : `No k-NN monitor: ${knn.skip}.` });
    let order: Uint32Array | null = null;
    const stopAt = Math.min(totalSteps, params.maxSteps !== undefined ? position.step + params.maxSteps : totalSteps);
    while (position.step < stopAt) {
      if (ctx.signal.aborted) break;
      const step = position.step;
      const epoch = Math.floor(step / stepsPerEpoch);
      const within = step % stepsPerEpoch;
      if (order === null || within === 0) order = epochOrder(data.slots.length, seed, epoch);
      const slots = Array.from(order.subarray(within * batch, (within + 1) * batch), (k) => data.slots[k] as number);
      const records = await cache.readBatch(slots);
      const crops = multiCrop(tf, records, { size: cache.size, rng: augmentRng(seed, step), options: cropOptions });
      let result;
      try {
        result = await dinoStep(model.parts, crops, step, epoch);
      } finally {
        crops.globals.dispose();
        crops.locals?.dispose();
      }
      lastLoss = result.loss;
      stepsThisRun++;
      position = { step: step + 1, epoch: Math.floor((step + 1) / stepsPerEpoch) };
      runs.recordStep(runId, step, epoch + within / stepsPerEpoch, {
        loss: result.loss,
        lr: result.lr,
        weight_decay: result.wd,
        teacher_momentum: result.momentum,
        teacher_temp: result.teacherTemp,
        teacher_entropy: result.entropy,
        kl_teacher_student: result.kl,
        grad_norm: result.gradNorm,
        ...(result.warning ? { collapse_warning: 1 } : {}),
      });
      const elapsed = (Date.now() - started) / 1000;
      const perStep = elapsed / stepsThisRun;
      // Online k-NN monitor, once per epoch: the teacher's features, recorded at the epoch's last step.
      const knnReport = position.step % stepsPerEpoch === 0 && knn.monitor ? await knn.monitor.evaluate(tf, model.teacher.backbone, cache) : null;
      if (knnReport) runs.recordStep(runId, step, epoch + within / stepsPerEpoch, knnReport.metrics);
      ctx.progress({
        fraction: position.step / totalSteps,
        message: result.warning
          ? `Collapse warning: ${result.warning.message}`
          : `Epoch ${epoch + 1}/${config.dino.epochs} · step ${position.step}/${totalSteps} · loss ${result.loss.toFixed(4)}${knnReport ? ` · ${knnReport.summary}` : ''}`,
        etaSeconds: perStep * (stopAt - position.step),
        metrics: { step: position.step, epoch: epoch + 1, loss: result.loss, entropy: result.entropy, kl: result.kl, lr: result.lr, secondsPerStep: perStep, ...knnReport?.metrics },
      });
      const epochEnd = position.step % stepsPerEpoch === 0;
      if (position.step < totalSteps && (epochEnd || position.step % config.checkpointEvery === 0)) await checkpoint('periodic');
    }
    const finished = position.step >= totalSteps;
    if (finished) {
      await checkpoint('final');
      const backbone = path.join(runDir, 'teacher-backbone.safetensors');
      await writeFile(backbone, await exportBackboneWeights(model.teacher.backbone, { run: String(runId), source: 'DINO teacher' }));
      runs.finish(runId, 'completed');
    } else {
      // Stopped by the user (cancel = pause) or by maxSteps: everything up to here is kept in a
      // checkpoint and the run is paused, to be resumed with the same job or `--run ID`.
      if (stepsThisRun > 0 && runs.latestCheckpoint(runId)?.step !== position.step) await checkpoint('periodic');
      runs.finish(runId, 'paused');
      ctx.signal.throwIfAborted();
    }
    return {
      runId,
      steps: position.step,
      totalSteps,
      epochsDone: Math.floor(position.step / stepsPerEpoch),
      finished,
      finalLoss: lastLoss,
      checkpoint: lastCheckpoint,
      backboneWeights: finished ? path.join(runDir, 'teacher-backbone.safetensors') : null,
      backend: engine.backend,
      secondsPerStep: stepsThisRun > 0 ? (Date.now() - started) / 1000 / stepsThisRun : null,
    };
  } catch (err) {
    if (!ctx.signal.aborted) runs.finish(runId, 'failed', err instanceof Error ? err.message : String(err));
    throw err;
  } finally {
    model.dispose();
    await cache.close();
  }
};
