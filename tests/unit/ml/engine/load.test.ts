import { afterEach, describe, expect, it } from 'vitest';
import { EngineUnavailableError, kernelSupport, loadEngine, type Tf } from '../../../../src-main/ml/engine/index.js';
import { GPU_PKG, workingNodeGpu } from './stand-ins.js';

const noEnv = {};

/** Row-major reference product, to check the backend against plain JavaScript. */
function referenceMatMul(a: Float32Array, b: Float32Array, n: number): Float32Array {
  const out = new Float32Array(n * n);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) out[i * n + j]! += a[i * n + k]! * b[k * n + j]!;
  return out;
}

async function checkMatMul(tf: Tf): Promise<void> {
  const n = 48;
  const a = Float32Array.from({ length: n * n }, (_, i) => Math.sin(i));
  const b = Float32Array.from({ length: n * n }, (_, i) => Math.cos(i * 0.7));
  const product = tf.tidy(() => tf.matMul(tf.tensor2d(a, [n, n]), tf.tensor2d(b, [n, n])));
  const got = Array.from(await product.data());
  product.dispose();
  const want = referenceMatMul(a, b, n);
  const worst = got.reduce((m, v, i) => Math.max(m, Math.abs(v - want[i]!)), 0);
  expect(worst).toBeLessThan(1e-3);
}

describe('loadEngine (real backends)', () => {
  it('activates wasm here and computes a matrix product correctly', async () => {
    const { tf, report } = await loadEngine({ env: noEnv });
    expect(tf.getBackend()).toBe('wasm');
    expect(report.active.name).toBe('wasm');
    expect(report.active.device).toMatch(/^CPU, SIMD (on|off), (1 thread|\d+ threads( \(.*\))?)$/);
    const before = tf.memory().numTensors;
    await checkMatMul(tf);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('OCTDINO_BACKEND=cpu from process.env forces the cpu backend', async () => {
    const saved = process.env.OCTDINO_BACKEND;
    process.env.OCTDINO_BACKEND = 'cpu';
    try {
      const { tf, report } = await loadEngine();
      expect(tf.getBackend()).toBe('cpu');
      expect(report.active.reason).toBe('forced by OCTDINO_BACKEND=cpu');
      await checkMatMul(tf);
    } finally {
      if (saved === undefined) delete process.env.OCTDINO_BACKEND;
      else process.env.OCTDINO_BACKEND = saved;
    }
  });

  it('forcing an unavailable backend throws, naming why', async () => {
    const err = await loadEngine({ env: { OCTDINO_BACKEND: 'tensorflow' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineUnavailableError);
    expect((err as Error).message).toBe(
      'OCTDINO_BACKEND=tensorflow, but tensorflow cannot run here: tensorflow (tfjs-node-gpu): not installed; ' +
        'tensorflow (tfjs-node): not installed. Unset OCTDINO_BACKEND or use one of: wasm, cpu.',
    );
  });
});

describe('loadEngine with tfjs-node-gpu simulated (cannot be installed here)', () => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
  });

  it('activates the tensorflow backend first and verifies it', async () => {
    const stand = await workingNodeGpu();
    cleanup = stand.cleanup;
    const { tf, report } = await loadEngine({ env: noEnv, loader: stand.loader });
    expect(report.active).toMatchObject({ name: 'tensorflow', package: GPU_PKG });
    expect(tf.getBackend()).toBe('tensorflow');
    await checkMatMul(tf);
  });
});

describe('kernelSupport', () => {
  it('reports the kernels wasm lacks for training convolutions', async () => {
    const { tf } = await loadEngine({ env: noEnv, only: ['wasm'] });
    const support = kernelSupport('wasm', ['Conv2DBackpropFilter', 'Conv2D', 'BatchMatMul', 'MatMul'], tf);
    expect(support).toEqual({
      backend: 'wasm',
      supported: ['Conv2D', 'BatchMatMul'],
      missing: ['Conv2DBackpropFilter'],
      unknown: ['MatMul'], // the kernel behind tf.matMul is BatchMatMul
    });
    expect(kernelSupport('cpu', ['Conv2DBackpropFilter']).missing).toEqual([]);
  });

  it('refuses a backend that is not registered rather than calling every kernel missing', () => {
    // tfjs-node is not installed here (webgpu is, and registers itself once probed).
    expect(() => kernelSupport('tensorflow', ['Conv2D'])).toThrow(/not registered/);
  });
});
