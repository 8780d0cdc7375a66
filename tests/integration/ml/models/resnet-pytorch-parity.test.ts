/**
 * The TypeScript ResNet against PyTorch (torchvision's ResNet-18 at widths 4, 8, 12, 16; see
 * tests/fixtures/ml/make-resnet-reference.py), the weights round trip, and the full ResNet-18
 * training on wasm against the cpu backend.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadEngine, type Tf } from '../../../../src-main/ml/engine/index.js';
import { registerWasmTrainingKernels } from '../../../../src-main/ml/engine/wasm-kernels.js';
import { ResNet } from '../../../../src-main/ml/models/resnet.js';
import { resnetConfig, type ResNetWidths } from '../../../../src-main/ml/models/resnet-init.js';
import { exportResNetWeights, loadResNetWeights, ResNetWeightsError } from '../../../../src-main/ml/weights/resnet-weights.js';
import { readSafetensors, type SafetensorsTensor } from '../../../../src-main/ml/weights/safetensors.js';
import type * as tfc from '@tensorflow/tfjs';

const DIR = path.resolve(import.meta.dirname, '../../../fixtures/ml/resnet-reference');
const WIDTHS: ResNetWidths = [4, 8, 12, 16];
const read = (name: string): Map<string, SafetensorsTensor> => readSafetensors(readFileSync(path.join(DIR, name))).tensors;

const io = read('reference-io.safetensors');
const ref = (name: string): Float32Array => {
  const t = io.get(name);
  if (!t) throw new Error(`fixture has no ${name}`);
  return t.data as Float32Array;
};
const shapeOf = (name: string): number[] => io.get(name)!.shape;

/** NCHW [B, 1, H, W] from PyTorch is NHWC [B, H, W, 1] with the same values in the same order. */
function grey(tf: Tf, name: string): tfc.Tensor4D {
  const [b, , h, w] = shapeOf(name) as [number, number, number, number];
  return tf.tensor4d(ref(name), [b, h, w, 1]);
}

/** Largest |v| (a loop: spreading millions of values into Math.max overflows the stack). */
function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

describe.each(['cpu', 'wasm'] as const)('ResNet-18 parity with PyTorch on %s', (backend) => {
  let tf: Tf;
  beforeAll(async () => {
    ({ tf } = await loadEngine({ only: [backend], env: {} }));
    if (backend === 'wasm') registerWasmTrainingKernels(tf);
  });

  const loaded = (): ResNet => {
    const net = new ResNet(tf, resnetConfig({ widths: WIDTHS }));
    const report = loadResNetWeights(net, read('resnet-gray.safetensors'));
    expect(report).toMatchObject({ prefix: '', adapted: [], ignored: [] });
    expect(report.loaded).toHaveLength(net.variables.size + net.buffers.size);
    expect(net.batchesTracked.get('layer2.0.downsample.1')).toBe(7);
    return net;
  };

  it('computes the same evaluation features', () => {
    const net = loaded();
    try {
      for (const [x, want] of [['x32', 'eval32'], ['x48', 'eval48']] as const) {
        const input = grey(tf, x);
        const y = net.apply(input, { training: false });
        expect(y.shape).toEqual(shapeOf(want));
        expect(maxDiff(y.dataSync(), ref(want))).toBeLessThan(1e-4);
        tf.dispose([input, y]);
      }
    } finally {
      net.dispose();
    }
  });

  it('computes the same training features, running statistics and gradients', () => {
    const net = loaded();
    const x = grey(tf, 'xt');
    const r = tf.div(tf.range(1, WIDTHS[3] + 1), WIDTHS[3]);
    try {
      const { value, grads } = tf.variableGrads(() => {
        const y = net.apply(x, { training: true });
        expect(maxDiff(y.dataSync(), ref('train'))).toBeLessThan(1e-4);
        return tf.sum(tf.mul(y, r)) as tfc.Scalar;
      });
      for (const name of ['bn1.running_mean', 'layer4.1.bn2.running_var']) {
        expect(maxDiff(net.buffers.get(name)!.dataSync(), ref(`after.${name}`)), name).toBeLessThan(1e-5);
      }
      for (const name of ['conv1.weight', 'layer1.0.conv1.weight', 'layer3.0.downsample.0.weight', 'layer4.1.bn2.weight', 'bn1.bias']) {
        const want = ref(`grad.${name}`);
        const scale = Math.max(1, maxAbs(want));
        expect(maxDiff(grads[net.variables.get(name)!.name]!.dataSync(), want) / scale, name).toBeLessThan(1e-4);
      }
      tf.dispose([value, ...Object.values(grads)]);
    } finally {
      net.dispose();
      tf.dispose([x, r]);
    }
  });

  it('folds a 3-channel DINO checkpoint into 1 channel, skipping fc and head', () => {
    const net = new ResNet(tf, resnetConfig({ widths: WIDTHS }));
    try {
      const report = loadResNetWeights(net, read('resnet-rgb.safetensors'));
      expect(report.prefix).toBe('module.backbone.');
      expect(report.adapted).toEqual([expect.stringMatching(/^conv1\.weight: 3 input channels summed into 1/)]);
      expect(report.ignored.sort()).toEqual(['module.fc.bias', 'module.fc.weight', 'module.head.last_layer.weight_g']);
      const [b, , h, w] = shapeOf('rgb_x') as [number, number, number, number];
      // The grey image is channel 0 of the replicated RGB input.
      const x = tf.tensor4d(ref('rgb_x').filter((_, i) => Math.floor(i / (h * w)) % 3 === 0), [b, h, w, 1]);
      const y = net.apply(x, { training: false });
      expect(maxDiff(y.dataSync(), ref('rgb_eval'))).toBeLessThan(1e-4);
      tf.dispose([x, y]);
    } finally {
      net.dispose();
    }
  });
});

describe('ResNet weights files', () => {
  let tf: Tf;
  beforeAll(async () => {
    ({ tf } = await loadEngine({ only: ['cpu'], env: {} }));
  });

  it('round-trips exactly, in torchvision state_dict order', () => {
    const a = new ResNet(tf, resnetConfig({ widths: WIDTHS, seed: 11 }));
    const b = new ResNet(tf, resnetConfig({ widths: WIDTHS, seed: 12 }));
    try {
      a.apply(tf.randomNormal([2, 32, 32, 1]) as tfc.Tensor4D, { training: true }).dispose(); // moves the running statistics
      const file = readSafetensors(exportResNetWeights(a));
      const names = [...file.tensors.keys()];
      expect(names.slice(0, 6)).toEqual(['conv1.weight', 'bn1.weight', 'bn1.bias', 'bn1.running_mean', 'bn1.running_var', 'bn1.num_batches_tracked']);
      expect(file.tensors.get('bn1.num_batches_tracked')).toMatchObject({ dtype: 'I64', shape: [] });
      expect(file.metadata).toMatchObject({ arch: 'resnet18', widths: '4,8,12,16' });
      expect(names).toEqual([...read('resnet-gray.safetensors').keys()]); // the same keys PyTorch wrote
      loadResNetWeights(b, file.tensors);
      for (const [name, v] of a.stateEntries()) {
        expect(Array.from(b.stateEntries().find(([n]) => n === name)![1].dataSync()), name).toEqual(Array.from(v.dataSync()));
      }
      expect([...b.batchesTracked]).toEqual([...a.batchesTracked]);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('refuses weights that do not fit, naming every offender, and changes nothing', () => {
    const net = new ResNet(tf, resnetConfig({ widths: WIDTHS }));
    try {
      const before = Array.from(net.variables.get('conv1.weight')!.dataSync());
      const tensors = new Map(read('resnet-gray.safetensors'));
      tensors.delete('layer1.0.bn1.running_var');
      tensors.set('layer9.0.conv1.weight', { dtype: 'F32', shape: [1], data: new Float32Array(1) });
      tensors.set('layer1.0.conv2.weight', { dtype: 'F32', shape: [4, 4, 1, 1], data: new Float32Array(16) });
      let error: ResNetWeightsError | null = null;
      try {
        loadResNetWeights(net, tensors);
      } catch (e) {
        error = e as ResNetWeightsError;
      }
      expect(error).toBeInstanceOf(ResNetWeightsError);
      expect(error!.missing).toEqual(['layer1.0.bn1.running_var']);
      expect(error!.unexpected).toEqual(['layer9.0.conv1.weight']);
      expect(error!.mismatched).toEqual(['layer1.0.conv2.weight: file [4, 4, 1, 1], model [4, 4, 3, 3]']);
      expect(Array.from(net.variables.get('conv1.weight')!.dataSync())).toEqual(before);
      expect(() => loadResNetWeights(net, new Map())).toThrow(/no ResNet backbone/);
    } finally {
      net.dispose();
    }
  });
});

describe('full ResNet-18 training on wasm', () => {
  let tf: Tf;
  beforeAll(async () => {
    ({ tf } = await loadEngine({ only: ['wasm'], env: {} }));
    registerWasmTrainingKernels(tf);
  });

  /** Gradients of Σ features · r on one backend, BN on batch statistics (training) or running ones. */
  async function gradients(backend: 'cpu' | 'wasm', [b, size]: [number, number], training: boolean): Promise<Map<string, Float32Array>> {
    await tf.setBackend(backend);
    const net = new ResNet(tf, resnetConfig({ seed: 2 }));
    const x = tf.tensor4d(Float32Array.from({ length: b * size * size }, (_, i) => Math.sin(i * 0.7) + 0.3 * Math.cos(i * 0.13)), [b, size, size, 1]);
    const r = tf.div(tf.range(1, 513), 512);
    try {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(net.apply(x, { training }), r)) as tfc.Scalar);
      const out = new Map<string, Float32Array>();
      for (const [name, v] of net.variables) out.set(name, grads[v.name]!.dataSync() as Float32Array);
      tf.dispose([value, ...Object.values(grads)]);
      return out;
    } finally {
      tf.dispose([x, r]);
      net.dispose();
      await tf.setBackend('wasm');
    }
  }

  function expectSame(want: Map<string, Float32Array>, got: Map<string, Float32Array>): void {
    expect(got.size).toBe(60);
    for (const [name, a] of want) expect(maxDiff(a, got.get(name)!) / Math.max(1, maxAbs(a)), name).toBeLessThan(1e-4);
  }

  // Every convolution at full width, stride and padding; BN on running statistics because with
  // 32x32 images layer4 is 1x1 and its batch norm over 2 values has no gradient but rounding noise.
  it('has the cpu backend gradients on a 32x32 batch of 2 (BN on running statistics)', async () => {
    expectSame(await gradients('cpu', [2, 32], false), await gradients('wasm', [2, 32], false));
  });
});
