/**
 * The webgpu backend (Dawn for Node) against the cpu backend on the same tiny DINO runs: a
 * 2-block ViT for two steps, and a narrow ResNet-18 for one (every convolution gradient). Needs a
 * WebGPU adapter: a real GPU, or a software Vulkan driver. Debian's Mesa lavapipe (22.3) is
 * refused by Dawn (no shaderStorageImageArrayDynamicIndexing), so without a GPU the test points
 * the Vulkan loader at the SwiftShader driver that Debian's `chromium` package ships. Without
 * any adapter it is skipped with the reason, except under CI, which must run it.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { augmentRng, DEFAULT_MULTI_CROP, multiCrop } from '../../../../src-main/ml/augment/multi-crop.js';
import { compareParity, runParity, TINY_RESNET_PARITY, TINY_VIT_PARITY, type ParityComparison } from '../../../../src-main/ml/bench/backend-parity.js';
import { detectEngine, EngineUnavailableError, loadEngine } from '../../../../src-main/ml/engine/index.js';
import { similarityMatrix } from '../../../../src-main/ml/eval/knn.js';
import { ViT } from '../../../../src-main/ml/models/vit.js';
import { backboneConfig } from '../../../../src-main/ml/pretrain/dino-model.js';
import { exportBackboneWeights } from '../../../../src-main/ml/weights/any-backbone.js';
import { readSafetensors } from '../../../../src-main/ml/weights/safetensors.js';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const ICD_VARS = ['VK_ICD_FILENAMES', 'VK_DRIVER_FILES'] as const;
const savedEnv = Object.fromEntries(ICD_VARS.map((k) => [k, process.env[k]]));

/** Why webgpu cannot run here, or null when it can (probing creates Dawn's instance once). */
async function webgpuUnavailable(): Promise<string | null> {
  // Before Dawn's first Vulkan instance: the loader reads the driver list only then.
  if (ICD_VARS.every((k) => !process.env[k]) && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  try {
    await detectEngine({ only: ['webgpu'], env: {} });
    return null;
  } catch (err) {
    if (err instanceof EngineUnavailableError) return err.candidates?.[0]?.reason ?? err.message;
    throw err;
  }
}

const unavailable = await webgpuUnavailable();
if (unavailable !== null && process.env.CI) {
  throw new Error(
    `CI must run the webgpu parity test, but webgpu cannot run: ${unavailable}. ` +
      'Install libvulkan1 and chromium (its SwiftShader Vulkan driver) as .ci/run does.',
  );
}

const expectAgreement = (c: ParityComparison) => {
  // The message names the worst quantity, so a failure says which kernel to look at.
  expect(c.worst.relDiff, `worst: ${c.worst.name} (${c.worst.relDiff})`).toBeLessThanOrEqual(c.tolerance);
  expect(c.ok).toBe(true);
};

describe.skipIf(unavailable !== null)(`webgpu agrees with cpu on DINO steps${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  beforeAll(() => {
    expect(unavailable).toBeNull();
  });
  afterAll(() => {
    for (const k of ICD_VARS) if (savedEnv[k] === undefined) delete process.env[k];
  });

  it('tiny ViT, 2 steps: loss, h(Pt), KL, gradient norm and every parameter within 1e-3', async () => {
    const cpu = await runParity('cpu', TINY_VIT_PARITY);
    const gpu = await runParity('webgpu', TINY_VIT_PARITY);
    expect(gpu.backend).toBe('webgpu');
    expect(gpu.steps).toHaveLength(2);
    // Not all zeros: the read-back path works (webgpu's dataSync() once returned zeros).
    expect(gpu.steps.every((s) => s.loss > 0 && s.gradNorm > 0)).toBe(true);
    expectAgreement(compareParity(cpu, gpu, 1e-3));
  });

  it('reads back what the sync-only paths need: weight export and k-NN similarities', async () => {
    // tfjs-backend-webgpu's readSync needs OffscreenCanvas, which Node lacks: dataSync() on a GPU
    // tensor throws, unless an awaited data() has cached it (exportBackboneWeights).
    const { tf } = await loadEngine({ only: ['webgpu'], env: {} });
    const x = tf.tidy(() => tf.matMul(tf.randomNormal([64, 48], 0, 1, 'float32', 3), tf.randomNormal([48, 32], 0, 1, 'float32', 4)));
    try {
      expect(() => x.dataSync()).toThrow(/OffscreenCanvas/);
      const values = Array.from(await x.data());
      expect(values.some((v) => v !== 0)).toBe(true);
      expect(Array.from(x.dataSync())).toEqual(values);
    } finally {
      x.dispose();
    }
    const vit = new ViT(tf, backboneConfig(TINY_VIT_PARITY.backbone, 0, 1));
    try {
      const file = await exportBackboneWeights(vit, { run: 'test' });
      expect(readSafetensors(file).tensors.size).toBe(vit.variables.size);
    } finally {
      vit.dispose();
    }
    const bank = new Float32Array([1, 0, 0, 1]);
    expect(Array.from(similarityMatrix(new Float32Array([1, 0]), bank, 2, tf))).toEqual([1, 0]);
  });

  it('multi-crop augmentation (crops, flips, jitter, blur, solarisation, speckle) gives the same crops', async () => {
    const S = 64;
    const images = new Uint8Array(4 * S * S).map((_, i) => (i * 7919 + (i >> 6) * 31) % 251);
    const options = { ...DEFAULT_MULTI_CROP, globalSize: 32, localSize: 16, localCrops: 2 };
    const crops = async (backend: 'cpu' | 'webgpu') => {
      const { tf } = await loadEngine({ only: [backend], env: {} });
      const c = multiCrop(tf, images, { size: S, rng: augmentRng(11, 3), options });
      try {
        return [Array.from(await c.globals.data()), Array.from(await c.locals!.data())];
      } finally {
        c.globals.dispose();
        c.locals?.dispose();
      }
    };
    const [cpu, gpu] = [await crops('cpu'), await crops('webgpu')];
    cpu.forEach((values, k) => {
      expect(new Set(values.map((v) => v.toFixed(2))).size, 'varied crops, not a constant').toBeGreaterThan(100);
      const diffs = values.map((v, i) => Math.abs(v - gpu[k]![i]!));
      expect(Math.max(...diffs), k === 0 ? 'globals' : 'locals').toBeLessThan(1e-3);
    });
  });

  it('narrow ResNet-18, 1 step: convolution and batch-norm gradients on webgpu', async () => {
    const cpu = await runParity('cpu', TINY_RESNET_PARITY);
    const gpu = await runParity('webgpu', TINY_RESNET_PARITY);
    expectAgreement(compareParity(cpu, gpu, 1e-3));
  });
});
