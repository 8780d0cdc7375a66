import { beforeAll, describe, expect, it } from 'vitest';
import { kernelSupport, loadEngine, type Tf } from '../../../../src-main/ml/engine/index.js';
import { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from '../../../../src-main/ml/engine/wasm-kernels.js';
import type * as tfc from '@tensorflow/tfjs';

type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];
interface Case {
  x: [number, number, number, number];
  /** [kh, kw, in, out] */
  w: [number, number, number, number];
  stride: number | [number, number];
  pad: Pad;
}

const p = (n: number): Pad => [[0, 0], [n, n], [n, n], [0, 0]];

/** ResNet's convolutions and some that are not (odd sizes, uneven strides, no padding, k < s). */
const CASES: Case[] = [
  { x: [2, 9, 9, 3], w: [3, 3, 3, 5], stride: 1, pad: p(1) },
  { x: [2, 9, 9, 3], w: [3, 3, 3, 5], stride: 2, pad: p(1) },
  { x: [2, 10, 10, 3], w: [3, 3, 3, 5], stride: 2, pad: p(1) },
  { x: [2, 16, 16, 1], w: [7, 7, 1, 4], stride: 2, pad: p(3) },
  { x: [2, 8, 8, 4], w: [1, 1, 4, 6], stride: 2, pad: 'valid' },
  { x: [2, 7, 9, 4], w: [3, 2, 4, 6], stride: [2, 3], pad: 'same' },
  { x: [1, 11, 11, 2], w: [5, 5, 2, 3], stride: 3, pad: 'valid' },
  { x: [1, 6, 6, 2], w: [1, 1, 2, 3], stride: 3, pad: 'valid' },
];

const fill = (n: number, f: (i: number) => number): Float32Array => Float32Array.from({ length: n }, (_, i) => f(i));
const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** Gradients of Σ conv(x, w) · r and Σ depthwise(x, w[..., :2]) · r' wrt x and w, on the active backend. */
function gradients(tf: Tf, c: Case): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.tensor(fill(size(c.x), (i) => Math.sin(i * 0.37)), c.x) as tfc.Tensor4D;
    const w = tf.tensor(fill(size(c.w), (i) => Math.cos(i * 0.21)), c.w) as tfc.Tensor4D;
    const conv = tf.grads((a: tfc.Tensor, b: tfc.Tensor) => {
      const y = tf.conv2d(a as tfc.Tensor4D, b as tfc.Tensor4D, c.stride, c.pad);
      return tf.sum(tf.mul(y, tf.sin(tf.reshape(tf.range(0, y.size), y.shape))));
    })([x, w]);
    const dwFilter = tf.slice(w, [0, 0, 0, 0], [c.w[0], c.w[1], c.x[3], 2]);
    const dwPad = c.pad === 'valid' ? 'valid' : 'same';
    const depthwise = tf.grads((a: tfc.Tensor, b: tfc.Tensor) => {
      const y = tf.depthwiseConv2d(a as tfc.Tensor4D, b as tfc.Tensor4D, c.stride, dwPad);
      return tf.sum(tf.mul(y, tf.cos(tf.reshape(tf.range(0, y.size), y.shape))));
    })([x, dwFilter]);
    return [...conv, ...depthwise].map((g) => g.dataSync() as Float32Array);
  });
}

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let scale = 0;
  for (const v of a) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst / Math.max(scale, 1e-12);
}

describe('wasm convolution gradients', () => {
  let tf: Tf;
  beforeAll(async () => {
    ({ tf } = await loadEngine({ only: ['wasm'], env: {} }));
    registerWasmTrainingKernels(tf);
  });

  it('fills what wasm lacks, and says so through kernelSupport', () => {
    const names = WASM_TRAINING_KERNELS.map((k) => k.name);
    expect(kernelSupport('wasm', names, tf)).toMatchObject({ supported: names, missing: [] });
    expect(registerWasmTrainingKernels(tf)).toEqual(names); // idempotent
  });

  it.each(CASES)('equal the cpu backend: x $x, w $w, stride $stride, pad $pad', async (c) => {
    await tf.setBackend('cpu');
    const want = gradients(tf, c);
    await tf.setBackend('wasm');
    const got = gradients(tf, c);
    const labels = ['conv dx', 'conv dW', 'depthwise dx', 'depthwise dW'];
    got.forEach((g, i) => {
      expect(g.length, labels[i]).toBe(want[i]!.length);
      expect(maxRelDiff(want[i]!, g), labels[i]).toBeLessThan(1e-5);
    });
  });

  it('leaks no tensors', () => {
    const c = CASES[1]!;
    gradients(tf, c);
    const before = tf.memory().numTensors;
    gradients(tf, c);
    expect(tf.memory().numTensors).toBe(before);
  });
});
