import { describe, expect, it } from 'vitest';
import { detectEngine, formatEngineReport, type EngineReport } from '../../../../src-main/ml/engine/index.js';

describe('formatEngineReport', () => {
  it('lists every candidate, marks the active one and says how to get the GPU engine', async () => {
    const text = formatEngineReport(await detectEngine({ env: {} }));
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^Compute engine: wasm \(@tensorflow\/tfjs-backend-wasm 4\.22\.0\) — device: CPU, SIMD (on|off), (1 thread|\d+ threads \(.*\))$/);
    expect(lines).toContain('  ✗ tensorflow (tfjs-node-gpu): not installed');
    expect(lines).toContain('  ✗ tensorflow (tfjs-node): not installed');
    expect(lines.some((l) => l.startsWith('  ✗ webgpu: '))).toBe(true); // installed; no hardware adapter here
    expect(lines).toContain('  ✓ wasm: available  ← active');
    expect(lines).toContain('  ✓ cpu: available (JavaScript)');
    expect(text).toContain('no built-in Conv2DBackpropFilter');
    expect(text).toContain('npm install @tensorflow/tfjs-node-gpu');
  });

  it('drops the install hint when the GPU engine is active', () => {
    const report: EngineReport = {
      active: { name: 'tensorflow', package: '@tensorflow/tfjs-node-gpu', version: '4.22.0', device: 'NVIDIA H100', reason: 'fastest engine, available' },
      candidates: [
        { name: 'tensorflow', package: '@tensorflow/tfjs-node-gpu', version: '4.22.0', available: true, reason: 'available', device: 'NVIDIA H100' },
      ],
      tfjsVersion: '4.22.0',
      notes: [],
    };
    const text = formatEngineReport(report);
    expect(text).toContain('Compute engine: tensorflow (@tensorflow/tfjs-node-gpu 4.22.0) — device: NVIDIA H100');
    expect(text).toContain('  ✓ tensorflow (tfjs-node-gpu): available  ← active');
    expect(text).not.toContain('How to enable');
  });
});
