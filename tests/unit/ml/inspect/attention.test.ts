import type * as tfc from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Tf } from '../../../../src-main/ml/engine/index.js';
import { clsAttention, keepMass } from '../../../../src-main/ml/inspect/attention.js';
import { colourOf, overlayPanel, upsample } from '../../../../src-main/ml/inspect/overlay.js';
import { customViTConfig } from '../../../../src-main/ml/models/vit-config.js';
import { ViT } from '../../../../src-main/ml/models/vit.js';
import { cpuTf } from '../dino/tf-cpu.js';

let tf: Tf;
beforeAll(async () => {
  tf = await cpuTf();
});

const image = (S: number): tfc.Tensor4D => tf.tensor4d(Float32Array.from({ length: S * S }, (_, i) => Math.sin(i * 0.37) + 0.5 * Math.cos(i * 0.011)), [1, S, S, 1]);

/**
 * softmax(q·kᵀ/√d) of the [CLS] row in a one-block ViT, written out from the parameters with
 * plain tensor ops: patch embedding as a strided convolution, [CLS] and position embeddings,
 * LayerNorm, the qkv projection, one softmax per head.
 */
function referenceClsAttention(vit: ViT, x: tfc.Tensor4D): Float32Array {
  return tf.tidy(() => {
    const v = (name: string) => vit.variables.get(name)!;
    const { patchSize: p, embedDim: D, numHeads: H } = vit.config;
    const w = tf.transpose(v('patch_embed.proj.weight'), [2, 3, 1, 0]) as tfc.Tensor4D; // [p, p, 1, D]
    const patches = tf.add(tf.conv2d(x, w, p, 'valid'), v('patch_embed.proj.bias'));
    const n = patches.shape[1]! * patches.shape[2]!;
    const tokens = tf.add(tf.concat([tf.reshape(v('cls_token'), [1, D]), tf.reshape(patches, [n, D])], 0), tf.reshape(v('pos_embed'), [1 + n, D]));
    const mean = tf.mean(tokens, 1, true);
    const variance = tf.mean(tf.square(tf.sub(tokens, mean)), 1, true);
    const normed = tf.add(tf.mul(tf.div(tf.sub(tokens, mean), tf.sqrt(tf.add(variance, vit.config.layerNormEps))), v('blocks.0.norm1.weight')), v('blocks.0.norm1.bias'));
    const qkv = tf.add(tf.matMul(normed, v('blocks.0.attn.qkv.weight'), false, true), v('blocks.0.attn.qkv.bias')); // [T, 3D]
    const d = D / H;
    const rows = Array.from({ length: H }, (_, h) => {
      const q = tf.slice(qkv, [0, h * d], [1, d]);
      const k = tf.slice(qkv, [0, D + h * d], [-1, d]);
      const att = tf.softmax(tf.div(tf.matMul(q, k, false, true), Math.sqrt(d)));
      return tf.slice(att, [0, 1], [1, -1]);
    });
    return tf.concat(rows, 0).dataSync() as Float32Array;
  });
}

describe('attention maps', () => {
  it('equal softmax(q·kᵀ/√d) of the [CLS] row, per head, on a tiny ViT (and the mean is their mean)', async () => {
    const vit = new ViT(tf, customViTConfig({ embedDim: 32, depth: 1, numHeads: 4, patchSize: 8, imgSize: 32, seed: 3 }));
    const x = image(40); // not the training size: interpolated position embeddings
    try {
      await clsAttention(tf, vit, x); // caches the position resampling for a 5×5 grid
      const before = tf.memory().numTensors;
      const maps = await clsAttention(tf, vit, x);
      expect(tf.memory().numTensors).toBe(before);
      expect(maps).toMatchObject({ heads: 4, grid: [5, 5], rollout: false });
      expect(maps.maps).toHaveLength(4 * 25);
      // The reference below reads the position table as is, so it is compared at the table's own 32 px.
      const x32 = image(32);
      const maps32 = await clsAttention(tf, vit, x32);
      const ref32 = referenceClsAttention(vit, x32);
      for (let i = 0; i < ref32.length; i++) expect(maps32.maps[i]).toBeCloseTo(ref32[i]!, 5);
      for (let i = 0; i < 16; i++) expect(maps32.mean[i]).toBeCloseTo((maps32.maps[i]! + maps32.maps[16 + i]! + maps32.maps[32 + i]! + maps32.maps[48 + i]!) / 4, 6);
      x32.dispose();
    } finally {
      vit.dispose();
      x.dispose();
    }
  });

  it('rollout through one block is the residual-mixed attention ½A + ½I of the [CLS] row', async () => {
    const vit = new ViT(tf, customViTConfig({ embedDim: 32, depth: 1, numHeads: 2, patchSize: 8, imgSize: 32, seed: 4 }));
    const x = image(32);
    try {
      const plain = await clsAttention(tf, vit, x);
      const rolled = await clsAttention(tf, vit, x, { rollout: true });
      for (let i = 0; i < plain.maps.length; i++) expect(rolled.maps[i]).toBeCloseTo(plain.maps[i]! / 2, 6);
      const deep = new ViT(tf, customViTConfig({ embedDim: 32, depth: 3, numHeads: 2, patchSize: 8, imgSize: 32, seed: 4 }));
      const r3 = await clsAttention(tf, deep, x, { rollout: true });
      // Rows of the rolled-out matrix are distributions: the patch part is below 1 and positive.
      const sum = r3.mean.reduce((a, b) => a + b, 0);
      expect(sum).toBeGreaterThan(0);
      expect(sum).toBeLessThan(1);
      deep.dispose();
    } finally {
      vit.dispose();
      x.dispose();
    }
  });

  it('keeps the share of the mass the reference keeps (sort, normalise, cumulative sum > 1 − share)', () => {
    expect(Array.from(keepMass([1, 2, 3, 4], 0.6))).toEqual([0, 0, 1, 1]); // 0.3 + 0.4 = 0.7 ≥ 0.6
    expect(Array.from(keepMass([4, 3, 2, 1], 0.4))).toEqual([1, 0, 0, 0]);
    expect(Array.from(keepMass([1, 1, 1, 1], 1))).toEqual([1, 1, 1, 1]);
    expect(Array.from(keepMass([5, 0, 0, 0], 0.5))).toEqual([1, 0, 0, 0]);
    const map = Float32Array.from({ length: 100 }, (_, i) => Math.exp(-i / 10));
    const kept = keepMass(map, 0.6);
    const total = map.reduce((a, b) => a + b, 0);
    const keptMass = map.reduce((a, v, i) => a + (kept[i] ? v : 0), 0) / total;
    expect(keptMass).toBeGreaterThanOrEqual(0.6);
    // Minimal: without its smallest kept patch the share would fall below 0.6.
    const smallestKept = Math.min(...Array.from(map).filter((_, i) => kept[i]));
    expect(keptMass - smallestKept / total).toBeLessThan(0.6);
    expect(() => keepMass([1], 1.5)).toThrow(RangeError);
  });

  it('upsamples a patch grid to the scan and overlays only the kept patches', () => {
    expect(Array.from(upsample([0, 1], 1, 2, 4, 1))).toEqual([0, 0.25, 0.75, 1]);
    const scan = new Uint8Array(8 * 8).fill(100);
    const map = [0, 0, 0, 1];
    const rgb = overlayPanel(scan, 8, 8, map, [2, 2], { threshold: 0.5, opacity: 1, colourMap: 'inferno' });
    const at = (x: number, y: number) => Array.from(rgb.subarray((y * 8 + x) * 3, (y * 8 + x) * 3 + 3));
    expect(at(0, 0)).toEqual([100, 100, 100]); // outside the kept mass: the scan itself
    expect(at(7, 7)).toEqual(colourOf('inferno', 1).map(Math.round));
  });
});

describe('Grad-CAM and patch colours', () => {
  it('Grad-CAM of a linear score on the pooled features is relu(A·w)/(h·w), computed directly', async () => {
    const { ResNet } = await import('../../../../src-main/ml/models/resnet.js');
    const { resnetConfig } = await import('../../../../src-main/ml/models/resnet-init.js');
    const { gradCam } = await import('../../../../src-main/ml/inspect/grad-cam.js');
    const net = new ResNet(tf, resnetConfig({ widths: [4, 8, 8, 16], seed: 2 }));
    const x = image(64);
    const w = tf.tensor1d(Float32Array.from({ length: 16 }, (_, i) => Math.sin(i + 1)));
    try {
      const cam = await gradCam(tf, net, x, (pooled) => tf.sum(tf.mul(pooled, w)) as tfc.Scalar);
      expect(cam.grid).toEqual([2, 2]);
      const direct = tf.tidy(() => {
        const a = net.features(x, { training: false, evaluation: true });
        return tf.relu(tf.div(tf.sum(tf.mul(a, w), 3), 4)).dataSync();
      });
      for (let i = 0; i < 4; i++) expect(cam.map[i]).toBeCloseTo(direct[i]!, 5);
      expect(Array.from(cam.map).some((v) => v > 0)).toBe(true);
    } finally {
      net.dispose();
      x.dispose();
      w.dispose();
    }
  });

  it('colours the patches of several images with one PCA, each channel spanning 0–255', async () => {
    const { patchColours } = await import('../../../../src-main/ml/inspect/patch-pca.js');
    const vit = new ViT(tf, customViTConfig({ embedDim: 32, depth: 2, numHeads: 2, patchSize: 8, imgSize: 32, seed: 5 }));
    const x = tf.concat([image(32), tf.reverse(image(32), 2)]) as tfc.Tensor4D;
    try {
      const r = await patchColours(tf, vit, x);
      expect(r.grid).toEqual([4, 4]);
      expect(r.rgb).toHaveLength(2);
      for (let c = 0; c < 3; c++) {
        const channel = r.rgb.flatMap((rgb) => Array.from(rgb).filter((_, i) => i % 3 === c));
        expect(Math.min(...channel)).toBe(0);
        expect(Math.max(...channel)).toBe(255);
      }
    } finally {
      vit.dispose();
      x.dispose();
    }
  });
});
