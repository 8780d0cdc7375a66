import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBscanFile } from '../../fixtures/image-files.js';
import { runOctdino } from '../../fixtures/run-cli.js';
import { makeTempDir } from '../../fixtures/temp-dir.js';

describe('octdino pretrain and octdino bench dino-step', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let project: string;
  beforeAll(async () => {
    temp = makeTempDir();
    project = path.join(temp.dir, 'p');
    for (let i = 0; i < 6; i++) await writeBscanFile(path.join(temp.dir, 'scans', `${i}.png`), 'png', i, 64, 62);
    expect(runOctdino(['init', project]).status).toBe(0);
    expect(runOctdino(['import', '--project', project, '--folder', path.join(temp.dir, 'scans')]).status).toBe(0);
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
    expect(JSON.parse(rest.stdout)).toMatchObject({ runId: partial.runId, steps: 6, finished: true, backboneWeights: expect.stringMatching(/teacher-backbone\.safetensors$/) });
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
});
