// TEMPORARY experiment (not a test): DINO recipes on the demo data; deleted after the report.
import path from 'node:path';
import { it } from 'vitest';
import { TrainingCache } from '../../../../src-main/imaging/training-cache.js';
import { JobRunner } from '../../../../src-main/jobs/job-runner.js';
import { augmentRng, multiCrop, multiCropOptionsFromConfig } from '../../../../src-main/ml/augment/multi-crop.js';
import { makeDinoConfig, type DinoConfig } from '../../../../src-main/ml/dino/config.js';
import { dinoStep } from '../../../../src-main/ml/dino/dino-step.js';
import { forwardMultiCrop } from '../../../../src-main/ml/dino/multi-crop-wrapper.js';
import { loadEngine } from '../../../../src-main/ml/engine/index.js';
import { KnnMonitor } from '../../../../src-main/ml/eval/knn-monitor.js';
import { buildDinoModel } from '../../../../src-main/ml/pretrain/dino-model.js';
import { epochOrder, selectPretrainData } from '../../../../src-main/ml/pretrain/pretrain-data.js';
import { Project } from '../../../../src-main/project/project.js';
import { createPatientSplit } from '../../../../src-main/project/splits.js';
import { makeTempDir } from '../../../fixtures/temp-dir.js';

const BACKBONE = { arch: 'vit_custom', patch: 8, custom: { embedDim: 32, depth: 2, numHeads: 2 } } as const;

it('experiment', async () => {
  const temp = makeTempDir();
  const project = Project.create(path.join(temp.dir, 'p'));
  const runner = new JobRunner(project);
  const patients = Number(process.env['PATIENTS'] ?? 16);
  const demo = await runner.waitFor(runner.start('demo.generate', { patients, eyesPerPatient: 2, visitsPerEye: 1, slicesPerVolume: 8, width: 64, height: 62 }).id);
  if (demo.status !== 'completed') throw new Error(JSON.stringify(demo.error));
  const labelSetId = project.db.prepare('SELECT id FROM label_sets').pluck().get() as number;
  createPatientSplit(project.db, { name: 'split', seed: 1, fractions: { train: 0.5, val: 0.5, test: 0 }, labelSetId });
  const { tf } = await loadEngine({ only: [(process.env['BACKEND'] ?? 'wasm') as 'wasm'], env: {} });
  const recipes = JSON.parse(process.env['RECIPES'] ?? '[{}]') as (Partial<DinoConfig> & { name?: string; seed?: number })[];
  const data = selectPretrainData(project.db, null);
  const cache = TrainingCache.open(project.path('cache'));
  const knn = KnnMonitor.prepare(project.db, null, { seed: 0, inputSize: 32 });
  if (!knn.monitor) throw new Error(knn.skip);
  console.log(`images ${data.slots.length}; ${knn.monitor.description}`);
  for (const { name = 'recipe', seed = 0, ...overrides } of recipes) {
    const config = makeDinoConfig({
      epochs: 10, batchSize: 32, outDim: 256, headHiddenDim: 64, headBottleneckDim: 32, globalCropSize: 32, localCropSize: 16,
      localCropsNumber: 2, warmupEpochs: 1, dropPathRate: 0, ...overrides,
    });
    const stepsPerEpoch = Math.floor(data.slots.length / config.batchSize);
    const model = buildDinoModel(tf, config, BACKBONE, seed, stepsPerEpoch);
    const options = multiCropOptionsFromConfig(config);
    const logK = Math.log(config.outDim);
    const t0 = Date.now();
    const auc = async () => (await knn.monitor!.evaluate(tf, model.teacher.backbone, cache)).metrics['knn_macro_auroc']!;
    const line: string[] = [`${name} ${JSON.stringify(overrides)} seed ${seed}`, `  init knn ${(await auc()).toFixed(3)}`];
    for (let epoch = 0; epoch < config.epochs; epoch++) {
      const order = epochOrder(data.slots.length, seed, epoch);
      let h = 0, loss = 0, spread = 0;
      for (let within = 0; within < stepsPerEpoch; within++) {
        const step = epoch * stepsPerEpoch + within;
        const slots = Array.from(order.subarray(within * config.batchSize, (within + 1) * config.batchSize), (k) => data.slots[k]!);
        const crops = multiCrop(tf, await cache.readBatch(slots), { size: cache.size, rng: augmentRng(seed, step), options });
        try {
          // Across-image spread of the teacher logits (std over the batch, mean over K), in units of the teacher temperature.
          spread += tf.tidy(() => {
            const t = forwardMultiCrop(tf, model.parts.teacher, [crops.globals], { training: false });
            return tf.mean(tf.sqrt(tf.moments(t, 0).variance)).dataSync()[0]!;
          }) / model.parts.loss.teacherTemp(epoch);
          const r = await dinoStep(model.parts, crops, step, epoch);
          h += r.entropy;
          loss += r.loss;
        } finally {
          crops.globals.dispose();
          crops.locals?.dispose();
        }
      }
      line.push(`  ep ${epoch} H/logK ${(h / stepsPerEpoch / logK).toFixed(3)} loss ${(loss / stepsPerEpoch).toFixed(3)} spread/tau ${(spread / stepsPerEpoch).toFixed(3)} knn ${(await auc()).toFixed(3)}`);
    }
    line.push(`  ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    console.log(line.join('\n'));
    model.dispose();
  }
  await cache.close();
  runner.shutdown();
  project.close();
  temp.cleanup();
}, 3_600_000);
