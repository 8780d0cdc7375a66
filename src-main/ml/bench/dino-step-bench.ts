/**
 * `octdino bench dino-step`: the time of full DINO training steps — student and teacher
 * forward, loss, backward, clipping, AdamW, EMA, centre — on random cache records, on the
 * backend the app would use (or the one asked for). Multi-crop augmentation is timed apart,
 * since its cost must stay small next to the step.
 */
import { dinoStep } from '../dino/dino-step.js';
import { makeDinoConfig } from '../dino/config.js';
import { augmentRng, multiCrop, multiCropOptionsFromConfig } from '../augment/multi-crop.js';
import { loadEngine, type BackendName, type Tf } from '../engine/index.js';
import { buildDinoModel, type BackboneSpec } from '../pretrain/dino-model.js';
import { defaultMicroBatch } from '../pretrain/micro-batch.js';
import { createRng } from '../../random/rng.js';

export interface DinoStepBenchOptions {
  backbone: BackboneSpec;
  globalSize: number;
  localSize: number;
  localCrops: number;
  batch: number;
  outDim: number;
  steps: number;
  backend?: BackendName;
  microBatch?: number;
}

export interface DinoStepBenchResult {
  backend: string;
  device: string | null;
  arch: string;
  batch: number;
  crops: string;
  steps: number;
  stepSecondsMedian: number;
  stepSeconds: number[];
  imagesPerSec: number;
  augmentSecondsMedian: number;
  numTensorsGrowth: number;
  microBatch: number;
  /** wasm only: the size its linear memory grew to (it never shrinks), i.e. the step's peak. */
  wasmMemoryBytes?: number;
}

/** The wasm backend's linear memory size, or undefined on other backends. */
function wasmMemoryBytes(tf: Tf): number | undefined {
  const heap = (tf.backend() as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8;
  return heap?.buffer.byteLength;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

export async function benchDinoStep(options: DinoStepBenchOptions): Promise<DinoStepBenchResult> {
  const { tf, report } = await loadEngine(options.backend ? { only: [options.backend] } : {});
  const config = makeDinoConfig({
    batchSize: options.batch,
    outDim: options.outDim,
    globalCropSize: options.globalSize,
    localCropSize: options.localSize,
    localCropsNumber: options.localCrops,
    epochs: 1,
    warmupEpochs: 0,
  });
  const stepsPerEpoch = options.steps + 1; // one warm-up step, untimed
  const microBatch = options.microBatch ?? defaultMicroBatch(report.active.name, options.backbone, config);
  const model = buildDinoModel(tf, config, options.backbone, 0, stepsPerEpoch, microBatch);
  const cropOptions = multiCropOptionsFromConfig(config);
  const rng = createRng(1);
  const records = new Uint8Array(options.batch * 256 * 256);
  const stepSeconds: number[] = [];
  const augmentSeconds: number[] = [];
  let tensorsAfterWarmup = 0;
  try {
    for (let step = 0; step < stepsPerEpoch; step++) {
      for (let i = 0; i < records.length; i++) records[i] = rng.int(0, 255);
      const a = performance.now();
      const crops = multiCrop(tf, records, { size: 256, rng: augmentRng(0, step), options: cropOptions });
      await crops.globals.data(); // make the augmentation's own time visible before the step
      const b = performance.now();
      try {
        await dinoStep(model.parts, crops, step, 0);
      } finally {
        crops.globals.dispose();
        crops.locals?.dispose();
      }
      const c = performance.now();
      if (step === 0) {
        tensorsAfterWarmup = tf.memory().numTensors;
        continue;
      }
      augmentSeconds.push((b - a) / 1000);
      stepSeconds.push((c - b) / 1000);
    }
    const stepSecondsMedian = median(stepSeconds);
    return {
      backend: report.active.name,
      device: report.active.device,
      arch: options.backbone.arch === 'vit_custom' ? 'vit_custom' : `${options.backbone.arch}/${options.backbone.patch}`,
      batch: options.batch,
      crops: `2x${options.globalSize} + ${options.localCrops}x${options.localSize}`,
      steps: stepSeconds.length,
      stepSecondsMedian,
      stepSeconds,
      imagesPerSec: options.batch / stepSecondsMedian,
      augmentSecondsMedian: median(augmentSeconds),
      numTensorsGrowth: tf.memory().numTensors - tensorsAfterWarmup,
      microBatch: microBatch ?? options.batch,
      ...(report.active.name === 'wasm' ? { wasmMemoryBytes: wasmMemoryBytes(tf) } : {}),
    };
  } finally {
    model.dispose();
  }
}
