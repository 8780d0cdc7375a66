/**
 * Backend parity: the same tiny DINO run (same seed, same crops, no stochastic depth) on two
 * TensorFlow.js backends, compared number by number — the step's loss, h(Pt), KL and gradient
 * norm, and the student and teacher parameters after the steps. A backend that computes a
 * kernel wrongly (or reads results back wrongly: webgpu's `dataSync()` once returned zeros)
 * shows up here before it spoils a real pretraining run.
 */
import type { Tensor4D } from '@tensorflow/tfjs';
import { makeDinoConfig } from '../dino/config.js';
import { dinoStep } from '../dino/dino-step.js';
import { networkVariables } from '../dino/multi-crop-wrapper.js';
import { loadEngine, type BackendName, type Tf } from '../engine/index.js';
import { buildDinoModel, type BackboneSpec } from '../pretrain/dino-model.js';
import { createRng } from '../../random/rng.js';

export interface ParitySetting {
  backbone: BackboneSpec;
  batch: number;
  globalSize: number;
  localSize: number;
  localCrops: number;
  outDim: number;
  steps: number;
  seed: number;
}

/** A 2-block ViT of width 32 on 32 px crops: a second per step on the cpu backend. */
export const TINY_VIT_PARITY: Readonly<ParitySetting> = Object.freeze({
  backbone: { arch: 'vit_custom' as const, patch: 8, custom: { embedDim: 32, depth: 2, numHeads: 2 } },
  batch: 4,
  globalSize: 32,
  localSize: 16,
  localCrops: 2,
  outDim: 64,
  steps: 2,
  seed: 5,
});

/** ResNet-18 at a quarter of torchvision's widths: exercises every convolution gradient. */
export const TINY_RESNET_PARITY: Readonly<ParitySetting> = Object.freeze({
  ...TINY_VIT_PARITY,
  backbone: { arch: 'resnet18' as const, patch: 16, widths: [8, 16, 32, 64] as [number, number, number, number] },
  steps: 1,
});

export interface ParityRun {
  backend: string;
  device: string | null;
  /** Per step: loss, entropy h(Pt), KL(Pt‖Ps), global gradient norm. */
  steps: { loss: number; entropy: number; kl: number; gradNorm: number }[];
  /** Every parameter after the last step, flattened, by `student.`/`teacher.` + name. */
  params: Record<string, number[]>;
  seconds: number;
}

/** Deterministic crops in [0, 1): identical bits on every backend (no augmentation kernels involved). */
function fixedCrops(tf: Tf, setting: ParitySetting, step: number): { globals: Tensor4D; locals: Tensor4D | null } {
  const rng = createRng(setting.seed).fork(`crops-${step}`);
  const view = (n: number, size: number): Tensor4D => {
    const px = new Float32Array(n * setting.batch * size * size);
    for (let i = 0; i < px.length; i++) px[i] = rng.range(0, 1);
    return tf.tensor4d(px, [n * setting.batch, size, size, 1]);
  };
  return { globals: view(2, setting.globalSize), locals: setting.localCrops > 0 ? view(setting.localCrops, setting.localSize) : null };
}

/** Runs `setting` on `backend` (activating it) and returns the numbers to compare. */
export async function runParity(backend: BackendName, setting: ParitySetting = TINY_VIT_PARITY): Promise<ParityRun> {
  const { tf, report } = await loadEngine({ only: [backend], env: {} });
  const config = makeDinoConfig({
    batchSize: setting.batch,
    outDim: setting.outDim,
    headHiddenDim: 32,
    headBottleneckDim: 16,
    globalCropSize: setting.globalSize,
    localCropSize: setting.localSize,
    localCropsNumber: setting.localCrops,
    dropPathRate: 0, // stochastic depth draws random masks: keep both backends on the same path
    epochs: 2,
    warmupEpochs: 0,
    freezeLastLayer: 0,
  });
  const start = performance.now();
  const model = buildDinoModel(tf, config, setting.backbone, setting.seed, setting.steps);
  try {
    const steps: ParityRun['steps'] = [];
    for (let step = 0; step < setting.steps; step++) {
      const crops = fixedCrops(tf, setting, step);
      try {
        const r = await dinoStep(model.parts, crops, step, 0);
        steps.push({ loss: r.loss, entropy: r.entropy, kl: r.kl, gradNorm: r.gradNorm });
      } finally {
        tf.dispose([crops.globals, ...(crops.locals ? [crops.locals] : [])]);
      }
    }
    const params: Record<string, number[]> = {};
    // Every parameter: the settings are tiny, and a wrong gradient kernel may touch only one.
    for (const [role, net] of [['student', model.student], ['teacher', model.teacher]] as const) {
      for (const [name, v] of networkVariables(net)) params[`${role}.${name}`] = Array.from(await v.data());
    }
    return { backend: report.active.name, device: report.active.device, steps, params, seconds: (performance.now() - start) / 1000 };
  } finally {
    model.dispose();
  }
}

/**
 * Elements whose true gradient is exactly zero, left out of the parameter comparison: the key
 * third of an attention's qkv bias. Softmax over keys ignores a constant added to a query's
 * row, and the key bias adds q·b_k to every key of that row alike. Its computed gradient is
 * rounding noise, which AdamW's g/√v turns into full ±lr steps whose signs differ between
 * backends (and between PyTorch and either).
 */
function zeroGradientRange(name: string, size: number): [number, number] | null {
  return name.endsWith('attn.qkv.bias') && size % 3 === 0 ? [size / 3, (2 * size) / 3] : null;
}

export interface ParityComparison {
  ok: boolean;
  tolerance: number;
  /** |a − b| / max(|a|, |b|, 1e-6) per scalar metric and step, e.g. `loss[0]`. */
  scalars: Record<string, { a: number; b: number; relDiff: number }>;
  /** max |a − b| / max |a| per parameter tensor (zero-gradient elements left out). */
  params: Record<string, { relDiff: number; size: number }>;
  worst: { name: string; relDiff: number };
}

/** Compares two runs of the same setting; `tolerance` is relative (float32 on a GPU: ~1e-3). */
export function compareParity(a: ParityRun, b: ParityRun, tolerance = 1e-3): ParityComparison {
  const scalars: ParityComparison['scalars'] = {};
  const params: ParityComparison['params'] = {};
  let worst = { name: '', relDiff: 0 };
  const note = (name: string, relDiff: number) => {
    if (!(relDiff <= worst.relDiff)) worst = { name, relDiff }; // NaN counts as worst
  };
  a.steps.forEach((sa, i) => {
    const sb = b.steps[i];
    for (const key of ['loss', 'entropy', 'kl', 'gradNorm'] as const) {
      const x = sa[key];
      const y = sb ? sb[key] : NaN;
      const relDiff = Math.abs(x - y) / Math.max(Math.abs(x), Math.abs(y), 1e-6);
      scalars[`${key}[${i}]`] = { a: x, b: y, relDiff };
      // KL is a small difference of two larger numbers: judged on the loss's scale instead.
      note(`${key}[${i}]`, key === 'kl' ? Math.abs(x - y) / Math.max(sa.loss, 1e-6) : relDiff);
    }
  });
  for (const [name, va] of Object.entries(a.params)) {
    const vb = b.params[name];
    const skip = zeroGradientRange(name, va.length);
    let maxAbs = 0;
    let maxDiff = vb && vb.length === va.length ? 0 : NaN;
    va.forEach((x, i) => {
      if (skip && i >= skip[0] && i < skip[1]) return;
      maxAbs = Math.max(maxAbs, Math.abs(x));
      if (vb) maxDiff = Math.max(maxDiff, Math.abs(x - (vb[i] ?? NaN)));
    });
    const relDiff = maxDiff / Math.max(maxAbs, 1e-6);
    params[name] = { relDiff, size: va.length };
    note(name, relDiff);
  }
  return { ok: worst.relDiff <= tolerance && a.steps.length === b.steps.length, tolerance, scalars, params, worst };
}
