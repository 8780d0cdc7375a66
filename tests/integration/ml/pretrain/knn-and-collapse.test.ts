/**
 * The k-NN monitor of a real pretraining job on the demo data, and the report's two collapse
 * modes (§4, Figure 4) produced with the product's own model, multi-crop augmentation and step
 * on demo B-scans: no centring → h(Pt) → 0 (dimension collapse); no sharpening → h(Pt) → log K
 * (uniform collapse); both on → neither flagged.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrainingCache } from '../../../../src-main/imaging/training-cache.js';
import { JobRunner } from '../../../../src-main/jobs/job-runner.js';
import { augmentRng, multiCrop, multiCropOptionsFromConfig } from '../../../../src-main/ml/augment/multi-crop.js';
import { makeDinoConfig, type DinoConfig } from '../../../../src-main/ml/dino/config.js';
import { dinoStep } from '../../../../src-main/ml/dino/dino-step.js';
import { embedImages } from '../../../../src-main/ml/embed/embed.js';
import { loadEngine, type Tf } from '../../../../src-main/ml/engine/index.js';
import { buildDinoModel } from '../../../../src-main/ml/pretrain/dino-model.js';
import { epochOrder, selectPretrainData } from '../../../../src-main/ml/pretrain/pretrain-data.js';
import type { PretrainResult } from '../../../../src-main/ml/pretrain/pretrain-job.js';
import { Project } from '../../../../src-main/project/project.js';
import { RunsRepository } from '../../../../src-main/project/runs.js';
import { createPatientSplit } from '../../../../src-main/project/splits.js';
import { makeTempDir } from '../../../fixtures/temp-dir.js';

const BACKBONE = { arch: 'vit_custom', patch: 8, custom: { embedDim: 32, depth: 2, numHeads: 2 } } as const;

describe('k-NN monitor and collapse on the demo data (tiny ViT, wasm)', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let project: Project;
  let runner: JobRunner;
  let tf: Tf;

  beforeAll(async () => {
    temp = makeTempDir();
    project = Project.create(path.join(temp.dir, 'p'));
    runner = new JobRunner(project);
    // 8 patients × 2 eyes × 8 slices = 128 B-scans; half the patients train (the k-NN bank), half val (the queries).
    const demo = await runner.waitFor(runner.start('demo.generate', { patients: 8, eyesPerPatient: 2, visitsPerEye: 1, slicesPerVolume: 8, width: 64, height: 62 }).id);
    expect(demo.status).toBe('completed');
    const labelSetId = project.db.prepare('SELECT id FROM label_sets').pluck().get() as number;
    createPatientSplit(project.db, { name: 'split', seed: 1, fractions: { train: 0.5, val: 0.5, test: 0 }, labelSetId });
    tf = (await loadEngine({ only: ['wasm'], env: {} })).tf;
  }, 60_000);
  afterAll(() => {
    runner.shutdown();
    project.close();
    temp.cleanup();
  });

  it('the pretrain job scores the teacher with k-NN at every epoch end and records knn_* metrics', async () => {
    const done = await runner.waitFor(
      runner.start('pretrain', { ...BACKBONE, epochs: 2, batch: 16, outDim: 64, headHiddenDim: 32, headBottleneckDim: 16, globalSize: 32, localSize: 16, localCrops: 2, warmupEpochs: 1, seed: 3, backend: 'wasm' }).id,
    );
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    const result = done.result as PretrainResult;
    const runs = new RunsRepository(project.db);
    // 128 images / batch 16 = 8 steps per epoch: recorded at steps 7 and 15.
    for (const name of ['knn_macro_auroc', 'knn_macro_balanced_accuracy', 'knn_auroc_fluid_irf']) {
      const series = runs.metric(result.runId, name);
      expect(series.map((m) => m.step), name).toEqual([7, 15]);
      for (const m of series) expect(m.value >= 0 && m.value <= 1, `${name} = ${m.value}`).toBe(true);
    }
    // The run's teacher embeds project images through embedImages, at the run's crop size.
    const ids = project.db.prepare('SELECT id FROM images ORDER BY id LIMIT 3').pluck().all() as number[];
    const embedded = await embedImages({ kind: 'run', project, runId: result.runId }, { kind: 'project', project, imageIds: ids }, { tf });
    expect(embedded).toMatchObject({ inputSize: 32, dim: 32, model: { source: 'run', runId: result.runId } });
    expect(embedded.items.map((it) => it.id)).toEqual(ids);
    expect(embedded.items.every((it) => it.feature.length === 32 && it.feature.every(Number.isFinite))).toBe(true);
  });


  describe('collapse (report §4, Figure 4) with the real model, augmentation and step', () => {
    const STEPS = 40;
    const BATCH = 16;
    const logK = Math.log(256);
    /** Base recipe: sharper teacher (0.02) than the default, which keeps the healthy run clear of the uniform end. */
    const base: Partial<DinoConfig> = {
      epochs: 5,
      batchSize: BATCH,
      outDim: 256,
      headHiddenDim: 64,
      headBottleneckDim: 32,
      globalCropSize: 32,
      localCropSize: 16,
      localCropsNumber: 2,
      warmupEpochs: 1,
      dropPathRate: 0,
      teacherTemp: 0.02,
      warmupTeacherTemp: 0.02,
    };

    async function train(overrides: Partial<DinoConfig>) {
      const config = makeDinoConfig({ ...base, ...overrides });
      const data = selectPretrainData(project.db, null);
      const stepsPerEpoch = STEPS / config.epochs;
      const model = buildDinoModel(tf, config, BACKBONE, 0, stepsPerEpoch);
      const cache = TrainingCache.open(project.path('cache'));
      const options = multiCropOptionsFromConfig(config);
      const entropy: number[] = [];
      try {
        for (let step = 0; step < STEPS; step++) {
          const epoch = Math.floor(step / stepsPerEpoch);
          const within = step % stepsPerEpoch;
          const order = epochOrder(data.slots.length, 0, epoch);
          const slots = Array.from(order.subarray(within * BATCH, (within + 1) * BATCH), (k) => data.slots[k]!);
          const crops = multiCrop(tf, await cache.readBatch(slots), { size: cache.size, rng: augmentRng(0, step), options });
          try {
            entropy.push((await dinoStep(model.parts, crops, step, epoch)).entropy);
          } finally {
            crops.globals.dispose();
            crops.locals?.dispose();
          }
        }
        const tail = entropy.slice(-10).reduce((a, b) => a + b, 0) / 10;
        return { first: entropy[0]! / logK, ratio: tail / logK, warning: model.parts.monitor!.status() };
      } finally {
        model.dispose();
        await cache.close();
      }
    }

    it('without centring (centre momentum 1) the teacher entropy falls towards 0: dimension collapse', async () => {
      // A faster learner (lr 0.05 at batch 256) so that the collapse completes within 40 steps.
      const r = await train({ centerMomentum: 1, lr: 0.05 });
      expect(r.ratio).toBeLessThan(0.01);
      expect(r.ratio).toBeLessThan(r.first);
      expect(r.warning?.kind).toBe('dimension-collapse');
    });

    it('without sharpening (teacher temperature = student temperature) the entropy rises towards log K: uniform collapse', async () => {
      const r = await train({ teacherTemp: 0.1, warmupTeacherTemp: 0.1 });
      expect(r.ratio).toBeGreaterThan(0.98);
      expect(r.ratio).toBeGreaterThan(r.first);
      expect(r.warning?.kind).toBe('uniform-collapse');
    });

    it('with both centring and sharpening, neither is flagged at the end', async () => {
      const r = await train({});
      expect(r.ratio).toBeGreaterThan(0.05);
      expect(r.ratio).toBeLessThan(0.97);
      expect(r.warning).toBeNull();
    });
  });
});
