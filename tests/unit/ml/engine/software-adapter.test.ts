import { describe, expect, it } from 'vitest';
import { isSoftwareAdapter } from '../../../../src-main/ml/engine/backends.js';

describe('isSoftwareAdapter (a CPU-emulated WebGPU adapter is never picked unasked)', () => {
  it('recognises SwiftShader and Mesa lavapipe, by flag or by name', () => {
    // What Dawn reports for Chromium's SwiftShader Vulkan driver (measured here).
    expect(isSoftwareAdapter({ vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader driver 5.0.0', isFallbackAdapter: true })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' })).toBe(true);
  });

  it('accepts real GPUs', () => {
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200', isFallbackAdapter: false })).toBe(false);
    expect(isSoftwareAdapter({ vendor: 'apple', architecture: 'metal-3' })).toBe(false);
  });
});
