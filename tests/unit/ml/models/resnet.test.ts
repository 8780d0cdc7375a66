import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEngine, type Tf } from '../../../../src-main/ml/engine/index.js';
import { registerWasmTrainingKernels } from '../../../../src-main/ml/engine/wasm-kernels.js';
import { batchNorm2d, BatchNormError } from '../../../../src-main/ml/models/conv-batch-norm.js';
import { ResNet, ResNetInputError } from '../../../../src-main/ml/models/resnet.js';
import { batchNormNames, resnetConfig, ResNetConfigError, resnetTensorSpecs, type ResNetWidths } from '../../../../src-main/ml/models/resnet-init.js';
import type * as tfc from '@tensorflow/tfjs';

const SMALL: ResNetWidths = [4, 8, 8, 16];

const image = (tf: Tf, b: number, h: number, w: number, phase = 0): tfc.Tensor4D =>
  tf.tensor4d(Float32Array.from({ length: b * h * w }, (_, i) => Math.sin(i * 0.7 + phase) + 0.3 * Math.cos(i * 0.13)), [b, h, w, 1]);

describe('ResNet-18 configuration', () => {
  it('has torchvision names and shapes', () => {
    const specs = resnetTensorSpecs(resnetConfig());
    const shapes = new Map(specs.map((s) => [s.name, s.shape]));
    // torchvision's resnet18 has 62 parameters (60 without fc) and 20 BN layers.
    expect(specs.filter((s) => s.kind === 'param')).toHaveLength(60);
    expect(batchNormNames(resnetConfig())).toHaveLength(20);
    expect(shapes.get('conv1.weight')).toEqual([64, 1, 7, 7]);
    expect(shapes.get('layer1.0.conv1.weight')).toEqual([64, 64, 3, 3]);
    expect(shapes.get('layer2.0.downsample.0.weight')).toEqual([128, 64, 1, 1]);
    expect(shapes.get('layer4.1.bn2.running_var')).toEqual([512]);
    expect(shapes.has('layer1.0.downsample.0.weight')).toBe(false);
    expect(shapes.has('fc.weight')).toBe(false);
    expect(specs[0]!.name).toBe('conv1.weight');
    expect(specs.slice(1, 5).map((s) => s.name)).toEqual(['bn1.weight', 'bn1.bias', 'bn1.running_mean', 'bn1.running_var']);
  });

  it('refuses impossible sizes and is frozen', () => {
    expect(() => resnetConfig({ widths: [4, 8, 0, 16] })).toThrow(ResNetConfigError);
    expect(() => resnetConfig({ bnMomentum: 2 })).toThrow(/bnMomentum/);
    expect(Object.isFrozen(resnetConfig())).toBe(true);
  });
});

describe.each(['cpu', 'wasm'] as const)('ResNet on %s', (backend) => {
  let tf: Tf;
  beforeAll(async () => {
    ({ tf } = await loadEngine({ only: [backend], env: {} }));
    if (backend === 'wasm') registerWasmTrainingKernels(tf);
  });

  it('initialises as torchvision, reproducibly from the seed', () => {
    const a = new ResNet(tf, resnetConfig({ seed: 5 }));
    const b = new ResNet(tf, resnetConfig({ seed: 5 }));
    try {
      const w = Array.from(a.variables.get('layer1.0.conv1.weight')!.dataSync());
      const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
      expect(std).toBeCloseTo(Math.sqrt(2 / (64 * 9)), 2); // kaiming_normal, fan_out
      expect(Array.from(b.variables.get('layer1.0.conv1.weight')!.dataSync())).toEqual(w);
      expect(Array.from(a.variables.get('bn1.weight')!.dataSync()).every((v) => v === 1)).toBe(true);
      expect(Array.from(a.buffers.get('bn1.running_var')!.dataSync()).every((v) => v === 1)).toBe(true);
      expect([...a.variables.values()].every((v) => v.trainable)).toBe(true);
      expect([...a.buffers.values()].some((v) => v.trainable)).toBe(false);
      expect(a.outDim).toBe(512);
      expect(a.name).toBe('resnet18');
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('maps [B, H, W, 1] images to [B, 512] features in both modes', () => {
    const net = new ResNet(tf, resnetConfig());
    const x = image(tf, 2, 32, 40);
    try {
      for (const training of [false, true]) {
        const y = net.apply(x, { training });
        expect(y.shape).toEqual([2, 512]);
        expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
        y.dispose();
      }
      expect(net.batchesTracked.get('layer3.0.downsample.1')).toBe(1);
      expect(() => net.apply(tf.zeros([1, 32, 32, 3]) as tfc.Tensor4D, { training: false })).toThrow(ResNetInputError);
      // One value per channel (batch 1, 32x32 → 1x1 in layer4) cannot be batch-normalised.
      expect(() => net.apply(image(tf, 1, 32, 32), { training: true })).toThrow(BatchNormError);
    } finally {
      net.dispose();
      x.dispose();
    }
  });

  it('uses batch statistics in training and running statistics in evaluation, updating them as PyTorch', () => {
    tf.tidy(() => {
      // One channel holding 1, 2, 3, 4: mean 2.5, biased variance 1.25, unbiased 5/3.
      const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
      const state = { weight: tf.tensor1d([2]), bias: tf.tensor1d([0.5]), runningMean: tf.variable(tf.tensor1d([0]), false), runningVar: tf.variable(tf.tensor1d([1]), false) };
      const y = batchNorm2d(tf, x, state, { batchStats: true, updateRunning: true, momentum: 0.1, eps: 1e-5 });
      const s = Math.sqrt(1.25 + 1e-5);
      Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo((2 * (i + 1 - 2.5)) / s + 0.5, 5));
      expect(state.runningMean.dataSync()[0]).toBeCloseTo(0.25, 6);
      expect(state.runningVar.dataSync()[0]).toBeCloseTo(0.9 + 0.1 * (5 / 3), 6);
      const e = batchNorm2d(tf, x, state, { batchStats: false, updateRunning: false, momentum: 0.1, eps: 1e-5 });
      const rm = 0.25;
      const rv = 0.9 + 0.1 * (5 / 3);
      Array.from(e.dataSync()).forEach((v, i) => expect(v).toBeCloseTo((2 * (i + 1 - rm)) / Math.sqrt(rv + 1e-5) + 0.5, 5));
      state.runningMean.dispose();
      state.runningVar.dispose();
    });
  });

  it('has the closed-form batch-norm gradient of the textbook formula', () => {
    tf.tidy(() => {
      const x = tf.tensor4d(Float32Array.from({ length: 2 * 3 * 3 * 4 }, (_, i) => Math.sin(i * 1.3) * (1 + (i % 4))), [2, 3, 3, 4]);
      const gamma = tf.tensor1d([1, 0.5, -2, 1.5]);
      const beta = tf.tensor1d([0, 0.1, 0.2, -0.3]);
      const r = tf.reshape(tf.cos(tf.range(0, x.size)), x.shape);
      const rm = tf.variable(tf.zeros([4]) as tfc.Tensor1D, false);
      const rv = tf.variable(tf.ones([4]) as tfc.Tensor1D, false);
      const ours = tf.grads((a: tfc.Tensor, g: tfc.Tensor, b: tfc.Tensor) =>
        tf.sum(tf.mul(batchNorm2d(tf, a as tfc.Tensor4D, { weight: g as tfc.Tensor1D, bias: b as tfc.Tensor1D, runningMean: rm, runningVar: rv }, { batchStats: true, updateRunning: false, momentum: 0.1, eps: 1e-5 }), r)),
      )([x, gamma, beta]);
      const textbook = tf.grads((a: tfc.Tensor, g: tfc.Tensor, b: tfc.Tensor) => {
        const { mean, variance } = tf.moments(a, [0, 1, 2]);
        return tf.sum(tf.mul(tf.add(tf.mul(tf.div(tf.sub(a, mean), tf.sqrt(tf.add(variance, 1e-5))), g), b), r));
      })([x, gamma, beta]);
      ours.forEach((g, i) => expect(tf.max(tf.abs(tf.sub(g, textbook[i]!))).dataSync()[0]).toBeLessThan(1e-4));
      rm.dispose();
      rv.dispose();
    });
  });

  it("keeps a DINO teacher's BN on batch statistics with batchStats 'always'", () => {
    const student = new ResNet(tf, resnetConfig({ widths: SMALL, seed: 1 }));
    const teacher = new ResNet(tf, resnetConfig({ widths: SMALL, seed: 1, batchStats: 'always' }));
    const x = image(tf, 2, 32, 32);
    try {
      const s = student.apply(x, { training: true });
      const t = teacher.apply(x, { training: false });
      expect(tf.max(tf.abs(tf.sub(s, t))).dataSync()[0]).toBeLessThan(1e-6);
      expect(Array.from(teacher.buffers.get('bn1.running_mean')!.dataSync())).toEqual(Array.from(student.buffers.get('bn1.running_mean')!.dataSync()));
      tf.dispose([s, t]);
    } finally {
      student.dispose();
      teacher.dispose();
      x.dispose();
    }
  });

  it("evaluates a DINO teacher as model.eval(): running statistics, untouched, each image independent of its batch", () => {
    const teacher = new ResNet(tf, resnetConfig({ widths: SMALL, seed: 1, batchStats: 'always' }));
    const x = image(tf, 3, 32, 32);
    try {
      teacher.apply(x, { training: false }).dispose(); // as in training: moves the running statistics
      const before = Array.from(teacher.buffers.get('bn1.running_mean')!.dataSync());
      const all = teacher.apply(x, { training: false, evaluation: true });
      const first = tf.slice(x, [0, 0, 0, 0], [1, -1, -1, -1]);
      const alone = teacher.apply(first, { training: false, evaluation: true });
      expect(tf.max(tf.abs(tf.sub(tf.slice(all, [0, 0], [1, -1]), alone))).dataSync()[0]).toBeLessThan(1e-5);
      expect(Array.from(teacher.buffers.get('bn1.running_mean')!.dataSync())).toEqual(before);
      tf.dispose([all, first, alone]);
    } finally {
      teacher.dispose();
      x.dispose();
    }
  });

  it('trains without leaking tensors', () => {
    const net = new ResNet(tf, resnetConfig({ widths: SMALL }));
    const x = image(tf, 2, 16, 16);
    const step = (): void => {
      const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(net.apply(x, { training: true }))) as tfc.Scalar);
      expect(Object.keys(grads)).toHaveLength(net.variables.size);
      tf.dispose([value, ...Object.values(grads)]);
    };
    try {
      step();
      const before = tf.memory().numTensors;
      step();
      step();
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      net.dispose();
      x.dispose();
    }
  });
});

describe('ResNet gradients on wasm', () => {
  let tf: Tf;
  beforeAll(async () => {
    ({ tf } = await loadEngine({ only: ['wasm'], env: {} }));
    registerWasmTrainingKernels(tf);
  });
  afterAll(async () => {
    await tf.setBackend('wasm');
  });

  /** Output, gradients and updated running statistics of one training forward/backward. */
  async function trainingPass(backend: 'cpu' | 'wasm', widths: ResNetWidths, size: number): Promise<Map<string, Float32Array>> {
    await tf.setBackend(backend);
    const net = new ResNet(tf, resnetConfig({ widths, seed: 3 }));
    const x = image(tf, 2, size, size);
    const r = tf.div(tf.range(1, widths[3] + 1), widths[3]);
    try {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(net.apply(x, { training: true }), r)) as tfc.Scalar);
      const out = new Map<string, Float32Array>([['loss', value.dataSync() as Float32Array]]);
      for (const [name, v] of net.variables) out.set(name, grads[v.name]!.dataSync() as Float32Array);
      for (const [name, v] of net.buffers) out.set(name, v.dataSync() as Float32Array);
      tf.dispose([value, ...Object.values(grads)]);
      return out;
    } finally {
      net.dispose();
      tf.dispose([x, r]);
    }
  }

  function expectClose(want: Map<string, Float32Array>, got: Map<string, Float32Array>): void {
    expect([...got.keys()]).toEqual([...want.keys()]);
    for (const [name, a] of want) {
      const b = got.get(name)!;
      const scale = Math.max(1, ...Array.from(a, Math.abs));
      const worst = Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]!)));
      expect(worst / scale, name).toBeLessThan(1e-4);
    }
  }

  it('equal the cpu backend for a narrow ResNet on 16x16 images', async () => {
    expectClose(await trainingPass('cpu', SMALL, 16), await trainingPass('wasm', SMALL, 16));
  });
});
