/**
 * Multi-threaded wasm under Node (src-main/ml/engine/wasm-threads.ts), through the real CLI in
 * child processes: the engine reports the threads, a pretraining run on two threads gives the
 * same numbers bit for bit as on one, and the processes end by themselves (the pool's idle
 * threads must not keep them alive).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../../../../src-main/ml/weights/safetensors.js';
import { Project } from '../../../../src-main/project/project.js';
import { RunsRepository } from '../../../../src-main/project/runs.js';
import { makeCliProject, runOctdino } from '../../../fixtures/run-cli.js';
import { makeTempDir } from '../../../fixtures/temp-dir.js';

const wasmOn = (threads: number) => ({ OCTDINO_BACKEND: 'wasm', OCTDINO_WASM_THREADS: String(threads) });

describe('wasm with threads under Node', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let project: string;
  beforeAll(async () => {
    temp = makeTempDir();
    project = await makeCliProject(temp.dir, 6);
  }, 60_000);
  afterAll(() => temp.cleanup());

  it('reports the thread count it runs with, and a clear error for a bad setting', () => {
    const two = runOctdino(['engine', '--json'], wasmOn(2));
    expect(two.status, two.stderr).toBe(0);
    expect((JSON.parse(two.stdout) as { active: { device: string } }).active.device).toMatch(/^CPU, SIMD on, 2 threads \(OCTDINO_WASM_THREADS=2\)$/);
    const one = runOctdino(['engine', '--json'], wasmOn(1));
    expect((JSON.parse(one.stdout) as { active: { device: string } }).active.device).toBe('CPU, SIMD on, 1 thread');
    const bad = runOctdino(['engine'], { OCTDINO_BACKEND: 'wasm', OCTDINO_WASM_THREADS: 'many' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/OCTDINO_WASM_THREADS=many: expected a whole number of threads/);
    expect(bad.stderr).not.toMatch(/Internal error|at .*\.ts:\d+/);
  });

  it('pretrains to the same weights on two threads as on one', () => {
    const args = ['pretrain', '--project', project, '--arch', 'vit_tiny', '--patch', '8', '--epochs', '2', '--batch', '2', '--out-dim', '64', '--global-size', '32', '--local-size', '16', '--local-crops', '1', '--seed', '5', '--json'];
    const runs = [1, 2].map((threads) => {
      // runOctdino's 60 s timeout would surface a process kept alive by the thread pool.
      const out = runOctdino(args, wasmOn(threads));
      expect(out.status, out.stderr).toBe(0);
      return JSON.parse(out.stdout) as { runId: number; finalLoss: number; backboneWeights: string };
    });
    const [single, threaded] = runs as [(typeof runs)[0], (typeof runs)[0]];
    expect(threaded.runId).not.toBe(single.runId);
    expect(threaded.finalLoss).toBe(single.finalLoss);
    const a = readSafetensors(readFileSync(single.backboneWeights)).tensors;
    const b = readSafetensors(readFileSync(threaded.backboneWeights)).tensors;
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [name, tensor] of a) expect(Buffer.from(b.get(name)!.data.buffer).equals(Buffer.from(tensor.data.buffer)), name).toBe(true);

    // Each run's provenance names the threads it ran on.
    const opened = Project.open(project);
    try {
      const runsRepo = new RunsRepository(opened.db);
      expect(runsRepo.get(single.runId)?.engine).toMatchObject({ backend: 'wasm', device: 'CPU, SIMD on, 1 thread' });
      expect(runsRepo.get(threaded.runId)?.engine).toMatchObject({ backend: 'wasm', device: expect.stringMatching(/2 threads/) });
    } finally {
      opened.close();
    }
  });
});
