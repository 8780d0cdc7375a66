import { describe, expect, it } from 'vitest';
import { makeDinoConfig } from '../../../../src-main/ml/dino/config.js';
import type { BackboneSpec } from '../../../../src-main/ml/pretrain/dino-model.js';
import { defaultMicroBatch, estimateDinoStepMemory, WASM_STEP_MEMORY_BUDGET } from '../../../../src-main/ml/pretrain/micro-batch.js';

const MiB = 2 ** 20;
const crops = (globalCropSize: number, localCropSize: number, batchSize = 32) =>
  makeDinoConfig({ batchSize, outDim: 4096, globalCropSize, localCropSize, localCropsNumber: 4, epochs: 1, warmupEpochs: 0 });

/**
 * Peak tensor memory of one DINO step on wasm (tf.profile peakBytes), K = 4096, 2 global + 4
 * local crops, measured on 2026-11-27 with the per-group optimizer temporaries freed.
 */
const MEASURED: { spec: BackboneSpec; global: number; local: number; micro: number; peakMiB: number }[] = [
  { spec: { arch: 'vit_tiny', patch: 16 }, global: 112, local: 48, micro: 2, peakMiB: 844.2 },
  { spec: { arch: 'vit_tiny', patch: 16 }, global: 112, local: 48, micro: 4, peakMiB: 1105.6 },
  { spec: { arch: 'vit_tiny', patch: 16 }, global: 112, local: 48, micro: 8, peakMiB: 1718.3 },
  { spec: { arch: 'vit_small', patch: 16 }, global: 112, local: 48, micro: 2, peakMiB: 1892.4 },
  { spec: { arch: 'vit_small', patch: 16 }, global: 112, local: 48, micro: 4, peakMiB: 2388.6 },
  { spec: { arch: 'vit_tiny', patch: 8 }, global: 112, local: 48, micro: 2, peakMiB: 1844.3 },
  { spec: { arch: 'vit_tiny', patch: 8 }, global: 112, local: 48, micro: 4, peakMiB: 3096.3 },
];

describe('estimateDinoStepMemory', () => {
  it.each(MEASURED)('is within -10 %/+15 % of the measured peak: $spec.arch/$spec.patch, micro-batch $micro', ({ spec, global, local, micro, peakMiB }) => {
    const { fixedBytes, perImageBytes } = estimateDinoStepMemory(spec, crops(global, local));
    const estimate = (fixedBytes + micro * perImageBytes) / MiB;
    expect(estimate / peakMiB).toBeGreaterThan(0.9);
    expect(estimate / peakMiB).toBeLessThan(1.15);
  });
});

describe('defaultMicroBatch', () => {
  it('fills the wasm budget with balanced passes', () => {
    const config = crops(112, 48);
    const micro = defaultMicroBatch('wasm', { arch: 'vit_tiny', patch: 16 }, config)!;
    expect(micro).toBe(11); // 15 would fit; 32 images in 3 passes are 11 + 11 + 10
    const { fixedBytes, perImageBytes } = estimateDinoStepMemory({ arch: 'vit_tiny', patch: 16 }, config);
    expect(fixedBytes + micro * perImageBytes).toBeLessThan(WASM_STEP_MEMORY_BUDGET);
  });

  it('goes down to one image where a bigger model needs it, and never above the batch', () => {
    // ViT-Small/16 at the reference's 224/96 px: ~1.3 GiB per image; two would pass the 4 GiB cap.
    expect(defaultMicroBatch('wasm', { arch: 'vit_small', patch: 16 }, crops(224, 96))).toBe(1);
    expect(defaultMicroBatch('wasm', { arch: 'vit_tiny', patch: 16 }, crops(32, 16, 6))).toBe(6);
  });

  it('leaves the batch whole off wasm, and for ResNets (BatchNorm needs the batch)', () => {
    const config = crops(112, 48);
    expect(defaultMicroBatch('webgpu', { arch: 'vit_tiny', patch: 16 }, config)).toBeUndefined();
    expect(defaultMicroBatch('tensorflow', { arch: 'vit_small', patch: 16 }, config)).toBeUndefined();
    expect(defaultMicroBatch('wasm', { arch: 'resnet18', patch: 16 }, config)).toBeUndefined();
  });
});
