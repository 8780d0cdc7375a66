import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEngine, type Tf } from '../../../../src-main/ml/engine/index.js';
import { dropPathRates } from '../../../../src-main/ml/models/drop-path.js';
import { PatchSizeError } from '../../../../src-main/ml/models/patch-embed.js';
import { ViT, ViTInputError } from '../../../../src-main/ml/models/vit.js';
import { customViTConfig, vitConfig, ViTConfigError, type ViTConfig } from '../../../../src-main/ml/models/vit-config.js';
import { vitParamSpecs } from '../../../../src-main/ml/models/vit-init.js';
import type * as tfc from '@tensorflow/tfjs';

/** The tiny test ViT: 2 blocks, width 32, 2 heads, patch 8, learned for a 32x32 grid. */
const tinyConfig = (over: Partial<ViTConfig> = {}): ViTConfig =>
  customViTConfig({ embedDim: 32, depth: 2, numHeads: 2, patchSize: 8, imgSize: 32, ...over });

function maxAbsDiff(tf: Tf, a: tfc.Tensor, b: tfc.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

describe('ViT configuration', () => {
  it('has the reference presets', () => {
    expect(vitConfig('vit_tiny')).toMatchObject({ embedDim: 192, depth: 12, numHeads: 3, patchSize: 16, imgSize: 224, inChans: 1, mlpRatio: 4, layerNormEps: 1e-6 });
    expect(vitConfig('vit_small', { patchSize: 8 })).toMatchObject({ embedDim: 384, depth: 12, numHeads: 6, patchSize: 8 });
    expect(Object.isFrozen(vitConfig('vit_tiny'))).toBe(true);
  });

  it('refuses sizes that cannot work, saying why', () => {
    expect(() => customViTConfig({ embedDim: 30, depth: 1, numHeads: 4 })).toThrow(ViTConfigError);
    expect(() => customViTConfig({ embedDim: 32, depth: 1, numHeads: 2, imgSize: 30, patchSize: 8 })).toThrow(/multiple of patchSize/);
    expect(() => vitConfig('vit_tiny', { dropPathRate: 1 })).toThrow(/dropPathRate/);
  });

  it('names parameters as the reference does', () => {
    const names = vitParamSpecs(vitConfig('vit_tiny')).map((s) => s.name);
    expect(names.length).toBe(4 + 12 * 12 + 2);
    expect(names).toContain('blocks.11.attn.qkv.weight');
    expect(names).toContain('blocks.0.mlp.fc2.bias');
    const shapes = new Map(vitParamSpecs(vitConfig('vit_tiny')).map((s) => [s.name, s.shape]));
    expect(shapes.get('pos_embed')).toEqual([1, 197, 192]);
    expect(shapes.get('patch_embed.proj.weight')).toEqual([192, 1, 16, 16]);
    expect(shapes.get('blocks.0.mlp.fc1.weight')).toEqual([768, 192]);
  });

  it('spreads stochastic depth linearly over the blocks', () => {
    expect(dropPathRates(0.1, 3)).toEqual([0, 0.05, 0.1]);
    expect(dropPathRates(0.1, 1)).toEqual([0]);
  });
});

describe.each(['cpu', 'wasm'] as const)('ViT on %s', (backend) => {
  let tf: Tf;
  beforeAll(async () => {
    ({ tf } = await loadEngine({ only: [backend], env: {} }));
  });

  it('initialises as the reference and reproducibly from the seed', () => {
    const a = new ViT(tf, tinyConfig({ seed: 7 }));
    const b = new ViT(tf, tinyConfig({ seed: 7 }));
    const c = new ViT(tf, tinyConfig({ seed: 8 }));
    try {
      const w = Array.from(a.variables.get('blocks.0.mlp.fc1.weight')!.dataSync());
      const mean = w.reduce((s, v) => s + v, 0) / w.length;
      const sd = Math.sqrt(w.reduce((s, v) => s + (v - mean) ** 2, 0) / w.length);
      expect(Math.abs(mean)).toBeLessThan(0.002);
      expect(sd).toBeGreaterThan(0.018);
      expect(sd).toBeLessThan(0.022);
      expect(a.variables.get('blocks.1.norm2.weight')!.dataSync().every((v) => v === 1)).toBe(true);
      expect(a.variables.get('blocks.1.attn.qkv.bias')!.dataSync().every((v) => v === 0)).toBe(true);
      expect(maxAbsDiff(tf, a.variables.get('pos_embed')!, b.variables.get('pos_embed')!)).toBe(0);
      expect(maxAbsDiff(tf, a.variables.get('pos_embed')!, c.variables.get('pos_embed')!)).toBeGreaterThan(0);
    } finally {
      [a, b, c].forEach((m) => m.dispose());
    }
  });

  it('gives [B, D] features for the trained size and for interpolated sizes', () => {
    const vit = new ViT(tf, tinyConfig());
    try {
      for (const [h, w] of [[32, 32], [48, 48], [16, 16], [24, 40], [8, 8]] as const) {
        const x = tf.randomUniform([3, h, w, 1]) as tfc.Tensor4D;
        const y = vit.apply(x, { training: false });
        expect(y.shape).toEqual([3, 32]);
        const f = vit.forwardWithAttention(x);
        const tokens = 1 + (h / 8) * (w / 8);
        expect(f.tokens.shape).toEqual([3, tokens, 32]);
        expect(f.attention.shape).toEqual([3, 2, tokens, tokens]);
        expect(maxAbsDiff(tf, f.cls, y)).toBeLessThan(1e-5);
        const rowSums = tf.sum(f.attention, -1);
        expect(maxAbsDiff(tf, rowSums, tf.onesLike(rowSums))).toBeLessThan(1e-5);
        tf.dispose([x, y, f.cls, f.tokens, f.attention, rowSums]);
      }
      const odd = tf.zeros([1, 30, 32, 1]) as tfc.Tensor4D;
      expect(() => vit.apply(odd, { training: false })).toThrow(PatchSizeError);
      const rgb = tf.zeros([1, 32, 32, 3]) as tfc.Tensor4D;
      expect(() => vit.apply(rgb, { training: false })).toThrow(ViTInputError);
      tf.dispose([odd, rgb]);
    } finally {
      vit.dispose();
    }
  });

  it('custom gradients equal automatic differentiation', () => {
    const fast = new ViT(tf, tinyConfig({ seed: 3 }));
    const auto = new ViT(tf, tinyConfig({ seed: 3, gradMode: 'autodiff' }));
    try {
      for (const [h, w] of [[32, 32], [24, 40]] as const) {
        const x = tf.randomUniform([2, h, w, 1], 0, 1, 'float32', 11) as tfc.Tensor4D;
        const probe = tf.randomNormal([2, 32], 0, 1, 'float32', 12);
        const gradsOf = (m: ViT) =>
          tf.variableGrads(() => tf.sum(tf.mul(m.apply(x, { training: false }), probe)) as tfc.Scalar, [...m.variables.values()]);
        const gf = gradsOf(fast);
        const ga = gradsOf(auto);
        expect(Math.abs(gf.value.dataSync()[0]! - ga.value.dataSync()[0]!)).toBeLessThan(1e-4);
        for (const [name, v] of fast.variables) {
          const a = gf.grads[v.name]!;
          const b = ga.grads[auto.variables.get(name)!.name]!;
          expect(a.shape, name).toEqual(v.shape);
          const scale = Math.max(1, tf.tidy(() => tf.max(tf.abs(b)).dataSync()[0]!));
          expect(maxAbsDiff(tf, a, b) / scale, name).toBeLessThan(1e-4);
        }
        tf.dispose([x, probe, gf.value, ga.value, ...Object.values(gf.grads), ...Object.values(ga.grads)]);
      }
    } finally {
      fast.dispose();
      auto.dispose();
    }
  });

  it('drop-path is off in evaluation and reproducible with a seed in training', () => {
    const vit = new ViT(tf, tinyConfig({ dropPathRate: 0.5, depth: 4 }));
    const x = tf.randomUniform([8, 32, 32, 1], 0, 1, 'float32', 5) as tfc.Tensor4D;
    try {
      const e1 = vit.apply(x, { training: false });
      const e2 = vit.apply(x, { training: false, dropPathSeed: 99 });
      expect(maxAbsDiff(tf, e1, e2)).toBe(0);
      const t1 = vit.apply(x, { training: true, dropPathSeed: 1 });
      const t2 = vit.apply(x, { training: true, dropPathSeed: 1 });
      const t3 = vit.apply(x, { training: true, dropPathSeed: 2 });
      expect(maxAbsDiff(tf, t1, t2)).toBe(0);
      expect(maxAbsDiff(tf, t1, t3)).toBeGreaterThan(1e-4);
      expect(maxAbsDiff(tf, t1, e1)).toBeGreaterThan(1e-4);
      // Without a seed the model's own stream advances: two calls differ, a fresh model repeats them.
      const s1 = vit.apply(x, { training: true });
      const s2 = vit.apply(x, { training: true });
      expect(maxAbsDiff(tf, s1, s2)).toBeGreaterThan(1e-4);
      const again = new ViT(tf, tinyConfig({ dropPathRate: 0.5, depth: 4 }));
      const r1 = again.apply(x, { training: true });
      expect(maxAbsDiff(tf, s1, r1)).toBe(0);
      again.dispose();
      tf.dispose([e1, e2, t1, t2, t3, s1, s2, r1]);
    } finally {
      x.dispose();
      vit.dispose();
    }
  });

  it('does not leak tensors across forward/backward steps', () => {
    const vit = new ViT(tf, tinyConfig({ dropPathRate: 0.1 }));
    const x = tf.randomUniform([2, 24, 32, 1]) as tfc.Tensor4D;
    const step = (): void => {
      const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(vit.apply(x, { training: true }))) as tfc.Scalar);
      tf.dispose([value, ...Object.values(grads)]);
    };
    try {
      step(); // the first step caches the interpolation matrices for this grid
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) step();
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      x.dispose();
      vit.dispose();
    }
  });

  afterAll(() => {
    expect(tf.memory().numTensors).toBeLessThan(50);
  });
});
