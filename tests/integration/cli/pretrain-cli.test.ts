import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCliProject, runOctdino } from '../../fixtures/run-cli.js';
import { makeTempDir } from '../../fixtures/temp-dir.js';

describe('octdino pretrain and octdino bench dino-step', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let project: string;
  beforeAll(async () => {
    temp = makeTempDir();
    project = await makeCliProject(temp.dir, 6);
  }, 60_000);
  afterAll(() => temp.cleanup());

  const small = ['--arch', 'vit_tiny', '--patch', '16', '--epochs', '2', '--batch', '2', '--out-dim', '64', '--global-size', '32', '--local-size', '16', '--local-crops', '1', '--backend', 'wasm'];

  it('runs a resumable pretraining job and prints its result as JSON', () => {
    const first = runOctdino(['pretrain', '--project', project, ...small, '--max-steps', '2', '--json']);
    expect(first.status, first.stderr).toBe(0);
    const partial = JSON.parse(first.stdout) as { runId: number; steps: number; totalSteps: number; finished: boolean; backend: string };
    expect(partial).toMatchObject({ steps: 2, totalSteps: 6, finished: false, backend: 'wasm' });
    const rest = runOctdino(['pretrain', '--project', project, '--run', String(partial.runId), '--json']);
    expect(rest.status, rest.stderr).toBe(0);
    const done = JSON.parse(rest.stdout) as { backboneWeights: string };
    expect(done).toMatchObject({ runId: partial.runId, steps: 6, finished: true, backboneWeights: expect.stringMatching(/teacher-backbone\.safetensors$/) });

    // octdino embed: from the run, over the project's images; and from the exported weights, over a folder.
    const fromRun = path.join(temp.dir, 'run-features.json');
    const a = runOctdino(['embed', '--project', project, '--run', String(partial.runId), '--out', fromRun]);
    expect(a.status, a.stderr).toBe(0);
    const runFeatures = JSON.parse(readFileSync(fromRun, 'utf8')) as { dim: number; inputSize: number; items: { id: number; feature: number[] }[] };
    expect(runFeatures).toMatchObject({ dim: 192, inputSize: 32 });
    expect(runFeatures.items).toHaveLength(6);
    const fromFile = path.join(temp.dir, 'file-features.json');
    const b = runOctdino(['embed', '--weights', done.backboneWeights, '--arch', 'vit_tiny', '--patch', '16', '--size', '32', '--images', path.join(temp.dir, 'scans'), '--out', fromFile]);
    expect(b.status, b.stderr).toBe(0);
    const fileFeatures = JSON.parse(readFileSync(fromFile, 'utf8')) as { items: { file: string; feature: number[] }[] };
    expect(fileFeatures.items.map((i) => path.basename(i.file)).sort()).toEqual(['0.png', '1.png', '2.png', '3.png', '4.png', '5.png']);
    // Same network, same pixels: every file's feature equals the feature of its imported copy.
    const distance = (x: number[], y: number[]): number => Math.max(...x.map((v, k) => Math.abs(v - (y[k] ?? NaN))));
    for (const item of fileFeatures.items) {
      const nearest = Math.min(...runFeatures.items.map((r) => distance(item.feature, r.feature)));
      expect(nearest, item.file).toBeLessThan(1e-4);
    }
  });

  it('refuses bad settings with a one-line reason', () => {
    const bad = runOctdino(['pretrain', '--project', project, '--arch', 'vgg', '--json']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--arch/);
    const tooFew = runOctdino(['pretrain', '--project', project, '--batch', '64', '--out-dim', '64', '--global-size', '32', '--local-size', '16', '--backend', 'wasm']);
    expect(tooFew.status).toBe(1);
    expect(tooFew.stderr).toMatch(/at least one batch of 64 images/);
  });

  it('bench dino-step prints backend, median step time and images/s', () => {
    const out = runOctdino(['bench', 'dino-step', '--arch', 'vit_tiny', '--patch', '16', '--global-size', '32', '--local-size', '16', '--local-crops', '2', '--batch', '2', '--out-dim', '64', '--steps', '2', '--json']);
    expect(out.status, out.stderr).toBe(0);
    const result = JSON.parse(out.stdout) as Record<string, unknown>;
    expect(result).toMatchObject({ backend: expect.any(String), stepSecondsMedian: expect.any(Number), imagesPerSec: expect.any(Number), numTensorsGrowth: 0 });
  });

  it('bench dino-step takes the micro-batch and reports the wasm memory the step grew to', () => {
    const out = runOctdino(['bench', 'dino-step', '--arch', 'vit_tiny', '--patch', '16', '--global-size', '32', '--local-size', '16', '--local-crops', '1', '--batch', '4', '--out-dim', '64', '--steps', '1', '--micro-batch', '1', '--backend', 'wasm', '--json']);
    expect(out.status, out.stderr).toBe(0);
    const result = JSON.parse(out.stdout) as { microBatch: number; wasmMemoryBytes: number };
    expect(result.microBatch).toBe(1);
    expect(result.wasmMemoryBytes).toBeGreaterThan(16 * 2 ** 20); // Emscripten starts at 16 MiB; the model alone is more
    const bad = runOctdino(['bench', 'dino-step', '--global-size', '32', '--local-size', '16', '--local-crops', '1', '--batch', '4', '--out-dim', '64', '--micro-batch', '0']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--micro-batch must be a positive integer/);
  });
});
