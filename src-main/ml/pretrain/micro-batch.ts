/**
 * How many images go through one forward/backward pass of a DINO step (gradients are
 * accumulated over the passes; exact for a ViT, which has no batch statistics).
 *
 * Only wasm needs it: its memory is capped at 4 GiB, and when XNNPACK cannot allocate, tfjs
 * only logs a warning and goes on with an uncomputed result. So the micro-batch is the largest
 * one whose estimated peak fits a budget well under the cap, with the passes balanced (a batch
 * of 32 that allows 15 per pass runs as 11 + 11 + 10, not 15 + 15 + 2).
 *
 * The estimate was fitted to the peak tensor memory tfjs reports for DINO steps on wasm
 * (tf.profile's peakBytes; numbers in tests/unit/ml/pretrain/micro-batch.test.ts): per image,
 * ≈ 98 floats per (block · channel · token) — everything the gradient tape keeps, MLP and
 * GELU internals included — plus ≈ 14 per (block · head · token²) for the attention maps; on
 * top, ≈ 12 floats per parameter for the weights, the teacher, AdamW's moments, the
 * gradients and the update's temporaries.
 */
import type { DinoConfig } from '../dino/config.js';
import { backboneConfig, type BackboneSpec } from './dino-model.js';

/** Peak tensor memory aimed at on wasm: the heap grows ~10 % above it (allocator), cap 4 GiB. */
export const WASM_STEP_MEMORY_BUDGET = 2.5 * 2 ** 30;

const FLOAT = 4;
const PER_TOKEN_CHANNEL = 100 * FLOAT; // fitted 98, rounded up
const PER_HEAD_TOKEN_PAIR = 16 * FLOAT; // fitted 14, rounded up
const PER_PARAMETER = 12 * FLOAT;

type CropShape = Pick<DinoConfig, 'globalCropSize' | 'localCropSize' | 'localCropsNumber' | 'outDim' | 'headHiddenDim' | 'headBottleneckDim' | 'headLayers'>;

export interface DinoStepMemory {
  /** Bytes that do not depend on the micro-batch: parameters, optimiser state, gradients. */
  fixedBytes: number;
  /** Bytes per image of the micro-batch: the activations the gradient tape keeps. */
  perImageBytes: number;
}

/** Estimated peak memory of a DINO step with a ViT backbone (see the module comment). */
export function estimateDinoStepMemory(spec: BackboneSpec, config: CropShape): DinoStepMemory {
  const vit = backboneConfig(spec, 0, 0); // drop-path and seed do not change the memory
  const D = vit.embedDim;
  const tokens = (size: number): number => Math.floor(size / vit.patchSize) ** 2 + 1;
  const crops = [
    ...Array<number>(2).fill(tokens(config.globalCropSize)),
    ...Array<number>(config.localCropsNumber).fill(tokens(config.localCropSize)),
  ];
  const sumTokens = crops.reduce((s, n) => s + n, 0);
  const sumTokenPairs = crops.reduce((s, n) => s + n * n, 0);
  const perImageBytes = vit.depth * (PER_TOKEN_CHANNEL * D * sumTokens + PER_HEAD_TOKEN_PAIR * vit.numHeads * sumTokenPairs);

  const backboneParams = vit.depth * (4 + 2 * vit.mlpRatio) * D * D + vit.patchSize ** 2 * D + tokens(config.globalCropSize) * D;
  const h = config.headHiddenDim;
  const headParams = D * h + Math.max(0, config.headLayers - 2) * h * h + h * config.headBottleneckDim + config.headBottleneckDim * config.outDim;
  return { fixedBytes: PER_PARAMETER * (backboneParams + headParams), perImageBytes };
}

/**
 * Images per forward/backward pass for a DINO step on `backend`, or undefined for the whole
 * batch in one pass (GPU and native backends, and ResNets, whose BatchNorm needs the batch).
 */
export function defaultMicroBatch(backend: string, spec: BackboneSpec, config: CropShape & Pick<DinoConfig, 'batchSize'>, budget = WASM_STEP_MEMORY_BUDGET): number | undefined {
  if (backend !== 'wasm' || spec.arch === 'resnet18') return undefined;
  const { fixedBytes, perImageBytes } = estimateDinoStepMemory(spec, config);
  const fits = Math.max(1, Math.floor((budget - fixedBytes) / perImageBytes));
  const passes = Math.ceil(config.batchSize / fits);
  return Math.ceil(config.batchSize / passes);
}
