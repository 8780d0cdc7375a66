/**
 * Fine-tuning learning-rate multipliers: ViT layer ids and layer-wise decay (BEiT / MAE), ResNet
 * uniform; and AdamW's `lrScale`, checked against an unscaled AdamW run at lr · s.
 */
import type { Tensor, Variable } from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tf } from '../../../../src-main/ml/engine/index.js';
import { fineTuneLrScales, vitLayerId } from '../../../../src-main/ml/finetune/lr-scales.js';
import { resnetConfig } from '../../../../src-main/ml/models/resnet-init.js';
import { ResNet } from '../../../../src-main/ml/models/resnet.js';
import { customViTConfig } from '../../../../src-main/ml/models/vit-config.js';
import { ViT } from '../../../../src-main/ml/models/vit.js';
import { AdamW } from '../../../../src-main/ml/optim/adamw.js';
import { cpuTf } from '../dino/tf-cpu.js';

let tf: Tf;
beforeAll(async () => {
  tf = await cpuTf();
});

describe('vitLayerId', () => {
  it('puts the embeddings at 0, block i at i + 1, the final norm at depth + 1', () => {
    const depth = 12;
    expect(vitLayerId('cls_token', depth)).toBe(0);
    expect(vitLayerId('pos_embed', depth)).toBe(0);
    expect(vitLayerId('patch_embed.proj.weight', depth)).toBe(0);
    expect(vitLayerId('patch_embed.proj.bias', depth)).toBe(0);
    expect(vitLayerId('blocks.0.norm1.weight', depth)).toBe(1);
    expect(vitLayerId('blocks.3.attn.qkv.weight', depth)).toBe(4);
    expect(vitLayerId('blocks.11.mlp.fc2.bias', depth)).toBe(12);
    expect(vitLayerId('norm.weight', depth)).toBe(13);
    expect(vitLayerId('norm.bias', depth)).toBe(13);
  });
});

describe('fineTuneLrScales', () => {
  let vit: ViT;
  let resnet: ResNet;
  beforeAll(() => {
    vit = new ViT(tf, customViTConfig({ embedDim: 16, depth: 3, numHeads: 2, patchSize: 8, seed: 1 }));
    resnet = new ResNet(tf, resnetConfig({ widths: [4, 4, 8, 8], seed: 1 }));
  });
  afterAll(() => {
    vit.dispose();
    resnet.dispose();
  });

  it('ViT: backboneLrScale · decay^(depth + 1 − layer id), for every parameter, keyed backbone.<name>', () => {
    const [scale, decay, depth] = [0.1, 0.65, 3];
    const scales = fineTuneLrScales(vit, scale, decay);
    expect([...scales.keys()].sort()).toEqual([...vit.variables.keys()].map((n) => `backbone.${n}`).sort());
    const expected = (id: number): number => scale * decay ** (depth + 1 - id);
    expect(scales.get('backbone.cls_token')).toBeCloseTo(expected(0), 12);
    expect(scales.get('backbone.pos_embed')).toBeCloseTo(scale * decay ** 4, 12);
    expect(scales.get('backbone.patch_embed.proj.weight')).toBeCloseTo(expected(0), 12);
    expect(scales.get('backbone.blocks.0.attn.qkv.weight')).toBeCloseTo(expected(1), 12);
    expect(scales.get('backbone.blocks.2.mlp.fc1.bias')).toBeCloseTo(scale * decay, 12);
    expect(scales.get('backbone.norm.weight')).toBeCloseTo(scale, 12);
    // Monotone: deeper layers never learn slower than shallower ones.
    for (const [name, s] of scales) expect(s, name).toBeCloseTo(expected(vitLayerId(name.slice('backbone.'.length), depth)), 12);
  });

  it('ViT with decay 1: every parameter at backboneLrScale', () => {
    for (const s of fineTuneLrScales(vit, 0.25, 1).values()) expect(s).toBe(0.25);
  });

  it('ResNet: every parameter at backboneLrScale, layer decay ignored', () => {
    const scales = fineTuneLrScales(resnet, 0.1, 0.5);
    expect(scales.size).toBe(resnet.variables.size);
    for (const [name, s] of scales) {
      expect(name.startsWith('backbone.')).toBe(true);
      expect(s).toBe(0.1);
    }
  });
});

describe('AdamW lrScale', () => {
  /** Runs 4 steps with fixed gradients; returns the parameters' values. */
  function run(lr: number, lrScale?: Map<string, number>): Record<string, number[]> {
    const params = new Map<string, Variable>([
      ['w.weight', tf.variable(tf.tensor2d([[0.5, -1.5], [2, 0.25]]))],
      ['w.bias', tf.variable(tf.tensor1d([0.1, -0.2]))],
      ['other.weight', tf.variable(tf.tensor2d([[1, -1]]))],
    ]);
    const opt = new AdamW(tf, params, lrScale ? { lrScale } : {});
    const grads = [
      [[[0.3, -0.1], [0.05, 2]], [1, -0.5], [[0.2, 0.2]]],
      [[[-0.4, 0.6], [0.01, -1]], [0.3, 0.3], [[-0.1, 0.5]]],
      [[[0.2, 0.2], [-0.3, 0.7]], [-1, 2], [[0.7, -0.2]]],
      [[[1e-3, -2], [0.5, 0]], [0.05, -0.05], [[0.01, 1]]],
    ] as const;
    const schedule = [
      { lr, weightDecay: 0.3 },
      { lr: lr * 0.5, weightDecay: 0.1 },
      { lr: lr * 0.8, weightDecay: 0.05 },
      { lr: lr * 0.2, weightDecay: 0.4 },
    ];
    grads.forEach(([gw, gb, go], t) => {
      const named = new Map<string, Tensor>([
        ['w.weight', tf.tensor2d(gw as unknown as number[][])],
        ['w.bias', tf.tensor1d(gb as unknown as number[])],
        ['other.weight', tf.tensor2d(go as unknown as number[][])],
      ]);
      opt.step(named, schedule[t]!);
      tf.dispose([...named.values()]);
    });
    const out = Object.fromEntries([...params].map(([k, v]) => [k, Array.from(v.dataSync())]));
    opt.dispose();
    tf.dispose([...params.values()]);
    return out;
  }

  it('a parameter with scale s moves exactly as AdamW at lr · s (weight decay included); others at lr', () => {
    const lr = 0.05;
    const scaled = run(lr, new Map([['w.weight', 0.1], ['w.bias', 0.1]]));
    const atScaledLr = run(lr * 0.1);
    const plain = run(lr);
    for (const name of ['w.weight', 'w.bias']) scaled[name]!.forEach((x, i) => expect(x, name).toBeCloseTo(atScaledLr[name]![i]!, 6));
    expect(scaled['other.weight']).toEqual(plain['other.weight']);
    // And the scale matters: the scaled weight is not where the plain one went.
    expect(Math.abs(scaled['w.weight']![0]! - plain['w.weight']![0]!)).toBeGreaterThan(1e-3);
  });

  it('scale 1 and no scale are the same optimizer', () => {
    expect(run(0.02, new Map([['w.weight', 1]]))).toEqual(run(0.02));
  });
});
