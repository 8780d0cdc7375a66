/**
 * Fine-tuning a tiny ViT classifier on the demo data (wasm): a run killed after its first epoch
 * and resumed from the epoch checkpoint by freshly built parts gives the same per-epoch losses,
 * validation scores, best epoch and final weights as an uninterrupted run.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrainingCache } from '../../../../src-main/imaging/training-cache.js';
import { JobRunner } from '../../../../src-main/jobs/job-runner.js';
import { loadEngine, type Tf } from '../../../../src-main/ml/engine/index.js';
import { buildBackbone } from '../../../../src-main/ml/finetune/arm-job.js';
import { selectDownstreamData, type DownstreamData } from '../../../../src-main/ml/finetune/downstream-data.js';
import { LinearHead } from '../../../../src-main/ml/finetune/linear-head.js';
import { fineTuneLrScales } from '../../../../src-main/ml/finetune/lr-scales.js';
import { macroAuroc, toProbabilities } from '../../../../src-main/ml/finetune/scoring.js';
import { predictLogits, trainNetwork, type EpochReport, type NetworkTrainingResult, type NetworkTrainingSettings } from '../../../../src-main/ml/finetune/train-network.js';
import type { LabelledSubset } from '../../../../src-main/ml/finetune/downstream-data.js';
import type { Backbone } from '../../../../src-main/ml/models/backbone.js';
import { readSafetensors } from '../../../../src-main/ml/weights/safetensors.js';
import { Project } from '../../../../src-main/project/project.js';
import { createPatientSplit } from '../../../../src-main/project/splits.js';
import { makeTempDir } from '../../../fixtures/temp-dir.js';

const SPEC = { arch: 'vit_custom', patch: 8, custom: { embedDim: 32, depth: 2, numHeads: 2 } } as const;
const SEED = 4;
const EPOCHS = 3;

describe('trainNetwork kill / resume (tiny ViT, wasm, demo data)', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let project: Project;
  let tf: Tf;
  let data: DownstreamData;
  let cache: TrainingCache;

  beforeAll(async () => {
    temp = makeTempDir('octdino-finetune-');
    project = Project.create(path.join(temp.dir, 'p'));
    const runner = new JobRunner(project);
    try {
      const demo = await runner.waitFor(runner.start('demo.generate', { patients: 6, eyesPerPatient: 1, visitsPerEye: 1, slicesPerVolume: 4, width: 64, height: 62 }).id);
      expect(demo.status).toBe('completed');
    } finally {
      runner.shutdown();
    }
    const labelSetId = project.db.prepare('SELECT id FROM label_sets').pluck().get() as number;
    const split = createPatientSplit(project.db, { name: 'split', seed: 1, fractions: { train: 0.5, val: 0.25, test: 0.25 }, labelSetId });
    data = selectDownstreamData(project.db, { splitId: split.id, budget: { kind: 'fraction', value: 1 }, seed: SEED });
    cache = TrainingCache.open(project.path('cache'));
    tf = (await loadEngine({ only: ['wasm'], env: {} })).tf;
  }, 60_000);
  afterAll(async () => {
    await cache?.close();
    project?.close();
    temp?.cleanup();
  });

  /** Freshly built parts (as the arm job builds them) training into `dir`; `initSeed` only changes the random init. */
  async function run(
    dir: string,
    initSeed: number,
    stopAfterEpoch?: number,
    over: { task?: 'single_label'; train?: LabelledSubset; val?: LabelledSubset; settings?: Partial<NetworkTrainingSettings>; keep?: (backbone: Backbone, head: LinearHead) => Promise<void> } = {},
  ): Promise<{ reports: EpochReport[]; result: NetworkTrainingResult | null; weights: Map<string, number[]>; error: unknown; leaked: number }> {
    const tensorsBefore = tf.memory().numTensors;
    const backbone: Backbone = buildBackbone(tf, SPEC, initSeed);
    const numOutputs = over.task ? 2 : data.labelSet.labels.length;
    const head = new LinearHead(tf, backbone.outDim, numOutputs, initSeed);
    const settings: NetworkTrainingSettings = {
      epochs: EPOCHS,
      batch: 4,
      lr: 1e-3,
      lrScale: fineTuneLrScales(backbone, 0.5, 0.75),
      weightDecay: 0.05,
      warmupEpochs: 1,
      patience: 0,
      inputSize: 32,
      cropScale: [0.6, 1],
      maxPosWeight: 10,
      ...over.settings,
    };
    const reports: EpochReport[] = [];
    const controller = new AbortController();
    let result: NetworkTrainingResult | null = null;
    let error: unknown = null;
    try {
      result = await trainNetwork({
        tf,
        cache,
        task: over.task ?? data.labelSet.kind,
        numOutputs,
        train: over.train ?? data.train,
        val: over.val ?? data.val,
        backbone,
        head,
        settings,
        seed: SEED,
        checkpointFile: path.join(dir, 'epoch.safetensors'),
        bestFile: path.join(dir, 'best.safetensors'),
        signal: controller.signal,
        onEpoch: (r) => {
          reports.push(r);
          if (r.epoch === stopAfterEpoch) controller.abort(new Error('killed'));
        },
      });
    } catch (err) {
      error = err;
    }
    const weights = new Map([...backbone.variables, ...head.variables].map(([k, v]) => [k, Array.from(v.dataSync())]));
    await over.keep?.(backbone, head);
    backbone.dispose();
    head.dispose();
    return { reports, result, weights, error, leaked: tf.memory().numTensors - tensorsBefore };
  }

  const strip = (r: EpochReport) => ({ epoch: r.epoch, trainLoss: r.trainLoss, valLoss: r.valLoss, valScore: r.valScore, lr: r.lr, best: r.best });
  const checkpointTensors = (file: string) => new Map([...readSafetensors(readFileSync(file)).tensors].map(([k, t]) => [k, Array.from(t.data as Float32Array)]));

  it('resuming from the epoch checkpoint continues exactly as the uninterrupted run', async () => {
    expect(data.train.imageIds.length).toBeGreaterThan(4);
    expect(data.val.imageIds.length).toBeGreaterThan(0);
    const whole = await run(path.join(temp.dir, 'whole'), SEED);
    expect(whole.error).toBeNull();
    expect(whole.reports.map((r) => r.epoch)).toEqual([0, 1, 2]);
    for (const r of whole.reports) expect(Number.isFinite(r.trainLoss) && Number.isFinite(r.valLoss)).toBe(true);

    const dir = path.join(temp.dir, 'killed');
    const first = await run(dir, SEED, 0);
    expect(String(first.error)).toMatch(/killed/);
    expect(first.reports.map((r) => r.epoch)).toEqual([0]);
    // From scratch — another random init even, which the checkpoint must overwrite completely.
    const resumed = await run(dir, SEED + 100);
    expect(resumed.error).toBeNull();
    expect(resumed.reports.map((r) => r.epoch)).toEqual([1, 2]);

    expect([...first.reports, ...resumed.reports].map(strip)).toEqual(whole.reports.map(strip));
    expect(resumed.result).toEqual({ ...whole.result, bestFile: path.join(dir, 'best.safetensors') });
    expect(resumed.weights).toEqual(whole.weights);
    // The final epoch checkpoints (weights, AdamW moments and steps) are identical too.
    expect(checkpointTensors(path.join(dir, 'epoch.safetensors'))).toEqual(checkpointTensors(path.join(temp.dir, 'whole', 'epoch.safetensors')));
    // No tensor leaks per step or epoch: 3 epochs leave what 2 epochs leave.
    expect(whole.leaked).toBe(resumed.leaked);
  }, 60_000);

  it('single-label with early stopping: returns with the best epoch’s model loaded, whose val score is the one recorded', async () => {
    // Two classes from the first biomarker (its absent / present); unknown images left out.
    const L = data.labelSet.labels.length;
    const binary = (subset: LabelledSubset): LabelledSubset => {
      const keep = subset.imageIds.map((_, i) => i).filter((i) => subset.truth[i * L]! >= 0);
      return { imageIds: keep.map((i) => subset.imageIds[i]!), slots: keep.map((i) => subset.slots[i]!), patients: keep.map((i) => subset.patients[i]!), truth: Int32Array.from(keep, (i) => subset.truth[i * L]!) };
    };
    const [train, val] = [binary(data.train), binary(data.val)];
    const dir = path.join(temp.dir, 'single');
    let recomputed: number | null = null;
    const out = await run(dir, SEED, undefined, {
      task: 'single_label',
      train,
      val,
      settings: { epochs: 5, patience: 1, lr: 3e-3 },
      keep: async (backbone, head) => {
        const logits = await predictLogits(tf, { cache, subset: val, backbone, head, inputSize: 32 });
        recomputed = macroAuroc(toProbabilities(logits, 2, 'single_label'), val.truth, 2, 'single_label');
      },
    });
    expect(out.error).toBeNull();
    const result = out.result!;
    const reports = out.reports;
    expect(reports.map((r) => r.epoch)).toEqual(Array.from({ length: result.epochsRun }, (_, i) => i));
    // The best epoch is the first with the highest validation criterion (AUROC, else −loss).
    const criterion = reports.map((r) => r.valScore ?? -r.valLoss);
    const bestEpoch = criterion.indexOf(Math.max(...criterion));
    expect(result.bestEpoch).toBe(bestEpoch);
    expect(result.bestScore).toBe(criterion[bestEpoch]);
    expect(reports.filter((r) => r.best).map((r) => r.epoch)).toContain(bestEpoch);
    // Early stopping: one epoch without improvement (patience 1) ends the run before its last epoch.
    expect(result.stoppedEarly).toBe(result.epochsRun < 5);
    if (result.stoppedEarly) expect(reports.at(-1)!.best).toBe(false);
    else expect(result.epochsRun).toBe(5);
    // The model in the parts on return is the best epoch's: its validation score is the recorded one.
    if (reports[bestEpoch]!.valScore !== null) expect(recomputed).toBeCloseTo(reports[bestEpoch]!.valScore!, 6);
    expect(new Map([...readSafetensors(readFileSync(result.bestFile)).tensors].filter(([k]) => k.startsWith('head.')).map(([k, t]) => [k, Array.from(t.data as Float32Array)]))).toEqual(
      new Map([...out.weights].filter(([k]) => k.startsWith('head.'))),
    );
  }, 60_000);
});
