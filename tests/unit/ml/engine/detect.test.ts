import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { detectEngine, EngineUnavailableError, type ModuleLoader } from '../../../../src-main/ml/engine/index.js';
import { isNotInstalled } from '../../../../src-main/ml/engine/loader.js';
import { brokenNodeGpu, GPU_PKG, workingNodeGpu } from './stand-ins.js';

const noEnv = {};

describe('detectEngine on this machine (real packages)', () => {
  it('reports the native packages as not installed, no hardware WebGPU adapter, and picks wasm', async () => {
    const report = await detectEngine({ env: noEnv });
    expect(report.candidates.map((c) => [c.name, c.package])).toEqual([
      ['tensorflow', '@tensorflow/tfjs-node-gpu'],
      ['tensorflow', '@tensorflow/tfjs-node'],
      ['webgpu', '@tensorflow/tfjs-backend-webgpu'],
      ['wasm', '@tensorflow/tfjs-backend-wasm'],
      ['cpu', '@tensorflow/tfjs-backend-cpu'],
    ]);
    const [gpu, native, webgpu, wasm, cpu] = report.candidates;
    expect(gpu).toMatchObject({ available: false, reason: 'not installed', device: null });
    expect(native).toMatchObject({ available: false, reason: 'not installed' });
    // Dawn is installed (optional dependency), but this machine has no GPU: at most a software
    // Vulkan device, which is never picked unless asked for by name.
    expect(webgpu).toMatchObject({ available: false, version: '4.22.0' });
    expect(webgpu!.reason).toMatch(/^(no GPU adapter|only a software adapter \(.+\): slower than wasm)/);
    expect(wasm).toMatchObject({ available: true, reason: 'available', version: '4.22.0' });
    expect(wasm!.device).toMatch(/^CPU, SIMD (on|off), /);
    expect(cpu).toMatchObject({ available: true, device: 'JavaScript' });
    expect(report.active).toMatchObject({ name: 'wasm', package: '@tensorflow/tfjs-backend-wasm' });
    expect(report.active.reason).toContain('not available: tensorflow (tfjs-node-gpu)');
    expect(report.tfjsVersion).toBe('4.22.0');
    expect(report.notes.some((n) => n.includes('no built-in Conv2DBackpropFilter'))).toBe(true);
  });

  it('honours only and exclude', async () => {
    const cpuOnly = await detectEngine({ env: noEnv, exclude: ['wasm'] });
    expect(cpuOnly.active.name).toBe('cpu');
    expect(cpuOnly.notes.some((n) => n.includes('~30x slower than wasm'))).toBe(true);
    const onlyWasm = await detectEngine({ env: noEnv, only: ['wasm'] });
    expect(onlyWasm.candidates.map((c) => c.name)).toEqual(['wasm']);
    await expect(detectEngine({ env: noEnv, only: ['tensorflow'] })).rejects.toMatchObject({ code: 'NONE_AVAILABLE' });
  });
});

describe('detectEngine with tfjs-node-gpu simulated (cannot be installed here)', () => {
  it('chooses tfjs-node-gpu first when it loads', async () => {
    const { loader, cleanup } = await workingNodeGpu();
    try {
      const report = await detectEngine({ env: noEnv, loader });
      expect(report.active).toMatchObject({ name: 'tensorflow', package: GPU_PKG, version: '4.22.0' });
      expect(report.active.device).not.toBeNull(); // the nvidia-smi name, or "CUDA GPU" without it
      expect(report.active.reason).toBe('fastest engine, available');
      // Only one libtensorflow per process: tfjs-node is not loaded next to tfjs-node-gpu.
      expect(report.candidates[1]).toMatchObject({ available: false });
      expect(report.candidates[1]!.reason).toContain('already provides');
    } finally {
      await cleanup();
    }
  });

  it('reports a native library that fails to load, and falls back', async () => {
    const report = await detectEngine({ env: noEnv, loader: brokenNodeGpu() });
    const gpu = report.candidates[0]!;
    expect(gpu.available).toBe(false);
    expect(gpu.reason).toMatch(/^installed but libtensorflow failed to load: .*tfjs_binding\.node/);
    expect(gpu.reason).not.toContain('\n');
    expect(report.candidates[1]!.reason).toBe('not installed');
    expect(report.active.name).toBe('wasm');
  });

  it('does not call a package "not installed" when one of its own dependencies is missing', async () => {
    const requireHere = createRequire(import.meta.url);
    const loader: ModuleLoader = async (name) => {
      if (name === GPU_PKG) return requireHere('@mapbox/node-pre-gyp-not-here');
      return (await import('../../../../src-main/ml/engine/index.js')).defaultLoader(name);
    };
    const report = await detectEngine({ env: noEnv, loader });
    expect(report.candidates[0]!.reason).toMatch(/^installed but libtensorflow failed to load: Cannot find module '@mapbox/);
    let missing: unknown;
    try {
      requireHere(GPU_PKG);
    } catch (err) {
      missing = err;
    }
    expect(isNotInstalled(missing, GPU_PKG)).toBe(true);
    expect(isNotInstalled(missing, '@tensorflow/tfjs-node')).toBe(false);
  });
});

describe('OCTDINO_BACKEND in detectEngine', () => {
  it('forces a backend further down the list', async () => {
    const report = await detectEngine({ env: { OCTDINO_BACKEND: 'cpu' } });
    expect(report.active).toMatchObject({ name: 'cpu', reason: 'forced by OCTDINO_BACKEND=cpu' });
  });

  it('throws a clear error for an unavailable or unknown backend', async () => {
    const err = await detectEngine({ env: { OCTDINO_BACKEND: 'tensorflow' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineUnavailableError);
    expect(err).toMatchObject({ code: 'FORCED_UNAVAILABLE' });
    expect((err as Error).message).toContain('OCTDINO_BACKEND=tensorflow, but tensorflow cannot run here: tensorflow (tfjs-node-gpu): not installed');
    expect((err as EngineUnavailableError).candidates).toHaveLength(5);
    await expect(detectEngine({ env: { OCTDINO_BACKEND: 'cuda' } })).rejects.toMatchObject({
      code: 'UNKNOWN_BACKEND',
      message: expect.stringContaining('tensorflow, webgpu, wasm, cpu') as unknown,
    });
  });
});
