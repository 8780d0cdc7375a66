import { beforeAll, describe, expect, it } from 'vitest';
import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import type { Tf } from '../../../../src-main/ml/engine/index.js';
import { DinoHead, gelu, l2Normalize } from '../../../../src-main/ml/dino/head.js';
import { denseCustomGrad } from '../../../../src-main/ml/dino/linear.js';
import { cpuTf } from './tf-cpu.js';

let tf: Tf;
beforeAll(async () => {
  tf = await cpuTf();
});

describe('denseCustomGrad', () => {
  it('matches autodiff of matMul + bias in value and in every gradient', () => {
    const x = tf.randomNormal([5, 4], 0, 1, 'float32', 1) as Tensor2D;
    const w = tf.randomNormal([4, 3], 0, 1, 'float32', 2) as Tensor2D;
    const b = tf.randomNormal([3], 0, 1, 'float32', 3) as Tensor1D;
    const dy = tf.randomNormal([5, 3], 0, 1, 'float32', 4);
    const dense = denseCustomGrad(tf);
    const f1 = (a: Tensor, c: Tensor, d: Tensor) => tf.sum(tf.mul(dense(a as Tensor2D, c as Tensor2D, d as Tensor1D), dy));
    const f2 = (a: Tensor, c: Tensor, d: Tensor) => tf.sum(tf.mul(tf.add(tf.matMul(a as Tensor2D, c as Tensor2D), d), dy));
    const g1 = tf.grads(f1)([x, w, b]);
    const g2 = tf.grads(f2)([x, w, b]);
    g1.forEach((g, i) => {
      const [a, e] = [g.dataSync(), g2[i]!.dataSync()];
      a.forEach((v, j) => expect(v).toBeCloseTo(e[j]!, 5));
    });
    const g3 = tf.grads((a: Tensor, c: Tensor) => tf.sum(tf.mul(dense(a as Tensor2D, c as Tensor2D), dy)))([x, w]);
    const g4 = tf.grads((a: Tensor, c: Tensor) => tf.sum(tf.mul(tf.matMul(a as Tensor2D, c as Tensor2D), dy)))([x, w]);
    g3.forEach((g, i) => g.dataSync().forEach((v, j) => expect(v).toBeCloseTo(g4[i]!.dataSync()[j]!, 5)));
    tf.dispose([x, w, b, dy, ...g1, ...g2, ...g3, ...g4]);
  });
});

describe('gelu / l2Normalize', () => {
  it('gelu is the exact erf form', () => {
    const x = tf.tensor1d([-2, -0.5, 0, 1, 3]);
    const y = gelu(tf, x).dataSync();
    // Φ(x)·x with Φ from erf: reference values from the closed form.
    const want = [-0.04550026, -0.15426877, 0, 0.84134475, 2.99595031];
    y.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    x.dispose();
  });
  it('l2Normalize gives unit rows and leaves a zero row at zero', () => {
    const x = tf.tensor2d([[3, 4], [0, 0]]);
    const y = l2Normalize(tf, x);
    Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo([0.6, 0.8, 0, 0][i]!, 6));
    tf.dispose([x, y]);
  });
});

describe('DinoHead', () => {
  it('has the reference variable names, shapes ([in, out] layout) and init', () => {
    const head = new DinoHead(tf, { inDim: 24, outDim: 50, hiddenDim: 64, bottleneckDim: 16, seed: 3 });
    const shapes = Object.fromEntries([...head.variables].map(([k, v]) => [k, v.shape]));
    expect(shapes).toEqual({
      'mlp.0.weight': [24, 64],
      'mlp.0.bias': [64],
      'mlp.2.weight': [64, 64],
      'mlp.2.bias': [64],
      'mlp.4.weight': [64, 16],
      'mlp.4.bias': [16],
      'last_layer.weight_g': [1, 50],
      'last_layer.weight_v': [16, 50],
    });
    const w = Array.from(head.variables.get('mlp.2.weight')!.dataSync());
    const std = Math.sqrt(w.reduce((a, v) => a + v * v, 0) / w.length);
    expect(std).toBeGreaterThan(0.018);
    expect(std).toBeLessThan(0.022);
    expect(Math.max(...head.variables.get('mlp.0.bias')!.dataSync())).toBe(0);
    const v = head.variables.get('last_layer.weight_v')!.dataSync();
    expect(Math.max(...Array.from(v).map(Math.abs))).toBeLessThanOrEqual(1 / 4);
    expect(Array.from(head.variables.get('last_layer.weight_g')!.dataSync()).every((g) => g === 1)).toBe(true);
    head.dispose();
  });

  it('freezes weight_g only when normLastLayer; a teacher head is fully frozen', () => {
    const a = new DinoHead(tf, { inDim: 4, outDim: 6, hiddenDim: 8, bottleneckDim: 4 });
    expect(a.variables.get('last_layer.weight_g')!.trainable).toBe(false);
    expect(a.variables.get('last_layer.weight_v')!.trainable).toBe(true);
    const b = new DinoHead(tf, { inDim: 4, outDim: 6, hiddenDim: 8, bottleneckDim: 4, normLastLayer: false });
    expect(b.variables.get('last_layer.weight_g')!.trainable).toBe(true);
    const c = new DinoHead(tf, { inDim: 4, outDim: 6, hiddenDim: 8, bottleneckDim: 4, trainable: false });
    expect([...c.variables.values()].some((v) => v.trainable)).toBe(false);
    [a, b, c].forEach((h) => h.dispose());
  });

  it('nLayers 1 is a single Linear named `mlp`', () => {
    const h = new DinoHead(tf, { inDim: 4, outDim: 6, nLayers: 1, bottleneckDim: 4 });
    expect([...h.variables.keys()]).toEqual(['mlp.weight', 'mlp.bias', 'last_layer.weight_g', 'last_layer.weight_v']);
    h.dispose();
  });

  it('outputs cosine similarities to unit prototypes: |logit| ≤ g = 1', () => {
    const head = new DinoHead(tf, { inDim: 8, outDim: 32, hiddenDim: 16, bottleneckDim: 8, seed: 5 });
    const x = tf.randomNormal([10, 8], 0, 3, 'float32', 9) as Tensor2D;
    const before = tf.memory().numTensors;
    const y = head.apply(x);
    expect(y.shape).toEqual([10, 32]);
    expect(Math.max(...Array.from(y.dataSync()).map(Math.abs))).toBeLessThanOrEqual(1 + 1e-5);
    const w = head.lastLayerWeight();
    const cols = tf.norm(w, 'euclidean', 0);
    cols.dataSync().forEach((n) => expect(n).toBeCloseTo(1, 5));
    tf.dispose([y, w, cols]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    head.dispose();
  });

  it('differentiates through weight normalisation to weight_v and never to a frozen weight_g', () => {
    const head = new DinoHead(tf, { inDim: 8, outDim: 12, hiddenDim: 16, bottleneckDim: 8, seed: 5 });
    const x = tf.randomNormal([6, 8], 0, 1, 'float32', 2) as Tensor2D;
    const trainable = [...head.variables.values()].filter((v) => v.trainable);
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(head.apply(x))), trainable);
    expect(Object.keys(grads)).toHaveLength(7);
    const gv = grads[head.variables.get('last_layer.weight_v')!.name]!;
    expect(Math.max(...Array.from(gv.dataSync()).map(Math.abs))).toBeGreaterThan(0);
    expect(grads[head.variables.get('last_layer.weight_g')!.name]).toBeUndefined();
    tf.dispose([value, x, ...Object.values(grads)]);
    head.dispose();
  });
});
