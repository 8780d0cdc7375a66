/**
 * A toy DINO run for integration tests: the tiny backbone + a small head on 32×32 synthetic
 * images, all on the cpu backend. Views are made here with plain tensor ops (random crops with
 * flips and noise) so that these tests exercise the step, not the augmentation module.
 */
import type { Tensor4D } from '@tensorflow/tfjs';
import type { Tf } from '../../../../src-main/ml/engine/index.js';
import { makeDinoConfig, type DinoConfig } from '../../../../src-main/ml/dino/config.js';
import { dinoStep, type DinoStepParts, type DinoStepResult, type MultiCropBatch } from '../../../../src-main/ml/dino/dino-step.js';
import { DinoHead } from '../../../../src-main/ml/dino/head.js';
import { DinoLoss } from '../../../../src-main/ml/dino/loss.js';
import { CollapseMonitor } from '../../../../src-main/ml/dino/monitor.js';
import { networkVariables } from '../../../../src-main/ml/dino/multi-crop-wrapper.js';
import { buildSchedules } from '../../../../src-main/ml/dino/schedules.js';
import { initTeacherFromStudent } from '../../../../src-main/ml/dino/teacher.js';
import { AdamW } from '../../../../src-main/ml/optim/adamw.js';
import { createRng, type Rng } from '../../../../src-main/random/rng.js';
import { TinyBackbone } from '../../../unit/ml/dino/tiny-backbone.js';

export const TOY_CONFIG: DinoConfig = makeDinoConfig({
  outDim: 64,
  headHiddenDim: 32,
  headBottleneckDim: 16,
  batchSize: 16,
  // The reference recipe in miniature: 4 epochs, 1 of lr warm-up, last layer frozen in epoch 0.
  epochs: 4,
  warmupEpochs: 1,
  freezeLastLayer: 1,
  lr: 0.1, // × 16/256 → 0.00625: a toy needs big steps to show its dynamics in ~100 steps
  minLr: 0.001,
  momentumTeacher: 0.9, // a fast teacher, for the same reason
  localCropsNumber: 2,
  globalCropSize: 32,
  localCropSize: 16,
});

export interface ToyRun {
  parts: DinoStepParts;
  nextBatch(step: number): MultiCropBatch;
  step(globalStep: number): Promise<DinoStepResult>;
  dispose(): void;
}

/** `n` smooth random images (sums of a few Gaussian blobs), [n, 32, 32, 1], roughly normalised. */
export function toyImages(tf: Tf, n: number, rng: Rng): Tensor4D {
  const px = new Float32Array(n * 32 * 32);
  for (let i = 0; i < n; i++) {
    const blobs = Array.from({ length: 3 }, () => [rng.range(4, 28), rng.range(4, 28), rng.range(2, 7), rng.range(-1, 1)] as const);
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) {
        let v = 0;
        for (const [cy, cx, r, a] of blobs) v += a * Math.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * r * r));
        px[i * 1024 + y * 32 + x] = v;
      }
    }
  }
  return tf.tensor4d(px, [n, 32, 32, 1]);
}

export function makeToyRun(tf: Tf, config: DinoConfig = TOY_CONFIG, opts: { stepsPerEpoch?: number; seed?: number; images?: number } = {}): ToyRun {
  const stepsPerEpoch = opts.stepsPerEpoch ?? 100;
  const rng = createRng(opts.seed ?? 7);
  const D = 16;
  const mk = (trainable: boolean) => ({
    backbone: new TinyBackbone(tf, { outDim: D, seed: 11, trainable }),
    head: new DinoHead(tf, {
      inDim: D,
      outDim: config.outDim,
      nLayers: config.headLayers,
      hiddenDim: config.headHiddenDim,
      bottleneckDim: config.headBottleneckDim,
      normLastLayer: config.normLastLayer,
      seed: 12,
      trainable,
    }),
  });
  const student = mk(true);
  const teacher = mk(false);
  initTeacherFromStudent(tf, networkVariables(teacher), networkVariables(student));
  const schedules = buildSchedules(config, stepsPerEpoch);
  const parts: DinoStepParts = {
    tf,
    student,
    teacher,
    loss: new DinoLoss(tf, {
      outDim: config.outDim,
      studentTemp: config.studentTemp,
      centerMomentum: config.centerMomentum,
      teacherTempPerEpoch: schedules.teacherTempPerEpoch,
    }),
    optimizer: new AdamW(tf, networkVariables(student)),
    schedules,
    monitor: new CollapseMonitor({ outDim: config.outDim, window: 10 }),
    clipGrad: config.clipGrad,
    freezeLastLayer: config.freezeLastLayer,
  };
  const images = toyImages(tf, opts.images ?? 64, rng.fork('images'));
  const B = config.batchSize;
  const nImages = images.shape[0];

  const nextBatch = (step: number): MultiCropBatch => {
    const r = rng.fork(step);
    const idx = Array.from({ length: B }, () => r.int(0, nImages - 1));
    const box = (lo: number, hi: number): number[] => {
      const side = Math.sqrt(r.range(lo, hi));
      const y = r.range(0, 1 - side);
      const x = r.range(0, 1 - side);
      return r.chance(0.5) ? [y, x, y + side, x + side] : [y, x + side, y + side, x]; // horizontal flip
    };
    const [globals, locals] = tf.tidy(() => {
      const view = (n: number, lo: number, hi: number, size: number): Tensor4D => {
        const boxes = Array.from({ length: n * B }, () => box(lo, hi));
        const ind = Array.from({ length: n * B }, (_, i) => idx[i % B]!);
        const crops = tf.image.cropAndResize(images, tf.tensor2d(boxes), tf.tensor1d(ind, 'int32'), [size, size]);
        return tf.add(crops, tf.randomNormal(crops.shape, 0, 0.05, 'float32', r.int(0, 2 ** 30))) as Tensor4D;
      };
      const g = view(2, config.globalCropsScale[0], config.globalCropsScale[1], config.globalCropSize);
      if (config.localCropsNumber === 0) return [g];
      return [g, view(config.localCropsNumber, config.localCropsScale[0], config.localCropsScale[1], config.localCropSize)];
    });
    return { globals: globals!, locals: locals ?? null };
  };

  return {
    parts,
    nextBatch,
    async step(globalStep: number) {
      const batch = nextBatch(globalStep);
      try {
        return await dinoStep(parts, batch, globalStep, Math.floor(globalStep / schedules.stepsPerEpoch));
      } finally {
        tf.dispose([batch.globals, ...(batch.locals ? [batch.locals] : [])]);
      }
    },
    dispose() {
      images.dispose();
      student.backbone.dispose();
      student.head.dispose();
      teacher.backbone.dispose();
      teacher.head.dispose();
      parts.loss.dispose();
      parts.optimizer.dispose();
    },
  };
}
