/**
 * Our ViT against PyTorch: weights and outputs written by
 * tests/fixtures/ml/make-vit-reference.py (PyTorch 1.13, reference architecture and names).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadEngine, type Tf } from '../../../../src-main/ml/engine/index.js';
import { ViT } from '../../../../src-main/ml/models/vit.js';
import { customViTConfig } from '../../../../src-main/ml/models/vit-config.js';
import { readSafetensors, type SafetensorsFile } from '../../../../src-main/ml/weights/safetensors.js';
import { loadViTWeights } from '../../../../src-main/ml/weights/vit-weights.js';
import type * as tfc from '@tensorflow/tfjs';

const DIR = path.join(import.meta.dirname, '../../../fixtures/ml/vit-reference');
const read = (name: string): SafetensorsFile => readSafetensors(new Uint8Array(readFileSync(path.join(DIR, name))));
const io = read('reference-io.safetensors');

function ref(name: string): { data: Float32Array; shape: number[] } {
  const t = io.tensors.get(name);
  if (t === undefined || !(t.data instanceof Float32Array)) throw new Error(`fixture has no float tensor ${name}`);
  return { data: t.data, shape: t.shape };
}

function maxDiff(got: tfc.Tensor, want: { data: Float32Array; shape: number[] }): number {
  expect(got.shape).toEqual(want.shape);
  const g = got.dataSync();
  return want.data.reduce((m, v, i) => Math.max(m, Math.abs(v - g[i]!)), 0);
}

/** NCHW [B, C, H, W] → NHWC [B, H, W, 1] of channel 0. */
function images(tf: Tf, name: string): tfc.Tensor4D {
  const { data, shape } = ref(name);
  const [b, , h, w] = shape as [number, number, number, number];
  return tf.tidy(() => tf.reshape(tf.slice(tf.tensor4d(data, shape as [number, number, number, number]), [0, 0, 0, 0], [b, 1, h, w]), [b, h, w, 1]));
}

const tinyRef = (depth: number, imgSize = 32) => customViTConfig({ embedDim: 24, depth, numHeads: 2, patchSize: 8, imgSize });

describe.each(['cpu', 'wasm'] as const)('ViT matches PyTorch on %s', (backend) => {
  let tf: Tf;
  beforeAll(async () => {
    ({ tf } = await loadEngine({ only: [backend], env: {} }));
  });

  it('CLS output and last-block attention, at the trained size and interpolated', () => {
    const vit = new ViT(tf, tinyRef(2));
    try {
      const report = loadViTWeights(vit, read('vit-gray.safetensors').tensors);
      expect(report).toMatchObject({ prefix: '', adapted: [], ignored: [] });
      for (const size of ['32', '48']) {
        const x = images(tf, `gray_x${size}`);
        const y = vit.apply(x, { training: false });
        const f = vit.forwardWithAttention(x);
        expect(maxDiff(y, ref(`gray_cls${size}`)), `cls ${size}`).toBeLessThan(1e-4);
        expect(maxDiff(f.cls, ref(`gray_cls${size}`)), `cls ${size}`).toBeLessThan(1e-4);
        expect(maxDiff(f.attention, ref(`gray_attn${size}`)), `attention ${size}`).toBeLessThan(1e-4);
        tf.dispose([x, y, f.cls, f.tokens, f.attention]);
      }
    } finally {
      vit.dispose();
    }
  });

  it('a float16 RGB DINO checkpoint folded to 1 channel gives PyTorch’s output on grey images', () => {
    const vit = new ViT(tf, tinyRef(1));
    try {
      const report = loadViTWeights(vit, read('vit-rgb.safetensors').tensors);
      expect(report.prefix).toBe('module.backbone.');
      expect(report.ignored).toEqual(['module.head.last_layer.weight_g']);
      expect(report.adapted).toHaveLength(1);
      const x = images(tf, 'rgb_x');
      const y = vit.apply(x, { training: false });
      expect(maxDiff(y, ref('rgb_cls'))).toBeLessThan(1e-4);
      tf.dispose([x, y]);
    } finally {
      vit.dispose();
    }
  });

  it('pos_embed resampled on load equals PyTorch’s bicubic resize', () => {
    const vit = new ViT(tf, tinyRef(2, 48));
    try {
      const report = loadViTWeights(vit, read('vit-gray.safetensors').tensors);
      expect(report.adapted).toEqual(['pos_embed: 4x4 patch grid resampled to 6x6 (bicubic)']);
      expect(maxDiff(vit.variables.get('pos_embed')!, ref('gray_pos_6x6'))).toBeLessThan(1e-6);
    } finally {
      vit.dispose();
    }
  });
});
