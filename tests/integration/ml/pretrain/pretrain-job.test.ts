import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRunner } from '../../../../src-main/jobs/job-runner.js';
import type { PretrainResult } from '../../../../src-main/ml/pretrain/pretrain-job.js';
import { loadEngine } from '../../../../src-main/ml/engine/index.js';
import { customViTConfig } from '../../../../src-main/ml/models/vit-config.js';
import { ViT } from '../../../../src-main/ml/models/vit.js';
import { readSafetensors } from '../../../../src-main/ml/weights/safetensors.js';
import { loadViTWeights } from '../../../../src-main/ml/weights/vit-weights.js';
import { Project } from '../../../../src-main/project/project.js';
import { RunsRepository } from '../../../../src-main/project/runs.js';
import { createPatientSplit } from '../../../../src-main/project/splits.js';
import { makeTempDir } from '../../../fixtures/temp-dir.js';

/** A DINO run small enough for CI: a 2-block ViT of width 32 on 32/16-px crops of demo B-scans. */
const TINY = {
  arch: 'vit_custom',
  custom: { embedDim: 32, depth: 2, numHeads: 2 },
  patch: 8,
  epochs: 2,
  batch: 8,
  outDim: 64,
  headHiddenDim: 32,
  headBottleneckDim: 16,
  globalSize: 32,
  localSize: 16,
  localCrops: 2,
  warmupEpochs: 1,
  seed: 5,
  checkpointEvery: 2,
  backend: 'wasm',
} as const;

describe('pretrain job (real worker, wasm backend, tiny ViT on the demo data)', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let project: Project;
  let runner: JobRunner;
  let runs: RunsRepository;
  let reference: PretrainResult;

  const run = async (params: Record<string, unknown>) => runner.waitFor(runner.start('pretrain', params).id);

  beforeAll(async () => {
    temp = makeTempDir();
    project = Project.create(path.join(temp.dir, 'p'));
    runner = new JobRunner(project);
    runs = new RunsRepository(project.db);
    const demo = await runner.waitFor(runner.start('demo.generate', { patients: 6, eyesPerPatient: 1, visitsPerEye: 1, slicesPerVolume: 8, width: 64, height: 62 }).id);
    expect(demo.status).toBe('completed');
    createPatientSplit(project.db, { name: 'split', seed: 1, fractions: { train: 0.67, val: 0, test: 0.33 } });
    const done = await run(TINY);
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    reference = done.result as PretrainResult;
  }, 240_000);
  afterAll(() => {
    runner.shutdown();
    project.close();
    temp.cleanup();
  });

  it('trains on all non-test images and records config, seed, data and engine with the run', () => {
    expect(reference).toMatchObject({ finished: true, steps: 8, totalSteps: 8, backend: 'wasm' });
    const record = runs.get(reference.runId);
    expect(record).toMatchObject({ kind: 'pretrain', status: 'completed', seed: 5, engine: { backend: 'wasm' } });
    const data = record?.data as { imageCount: number; excludedTestImages: number; hash: string };
    expect(data.excludedTestImages).toBe(16); // 2 of 6 patients x 8 slices
    expect(data.imageCount).toBe(32);
    expect(data.hash).toMatch(/^[0-9a-f]{64}$/);
    expect((record?.config as { dino: { outDim: number } }).dino.outDim).toBe(64);
  });

  it('records the collapse monitor every step', () => {
    for (const name of ['loss', 'lr', 'weight_decay', 'teacher_momentum', 'teacher_temp', 'teacher_entropy', 'kl_teacher_student']) {
      const series = runs.metric(reference.runId, name);
      expect(series.map((m) => m.step), name).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(series.every((m) => Number.isFinite(m.value)), name).toBe(true);
    }
    const momentum = runs.metric(reference.runId, 'teacher_momentum').map((m) => m.value);
    // An 8-step run: the teacher's memory is capped at a tenth of the run, so m starts at 0.9
    // (not the reference's 0.996 for 125k steps) and rises along the cosine towards 1.
    expect(momentum[0]).toBeCloseTo(0.9, 6);
    expect(momentum.at(-1)!).toBeGreaterThan(momentum[0]!);
    expect((runs.get(reference.runId)!.config as { dino: { momentumTeacher: number } }).dino.momentumTeacher).toBe(0.9);
  });

  it('exports the teacher backbone under the reference names, loadable into a fresh ViT', async () => {
    expect(reference.backboneWeights && existsSync(reference.backboneWeights)).toBe(true);
    const { tf } = await loadEngine({ only: ['cpu'] });
    const vit = new ViT(tf, customViTConfig({ embedDim: 32, depth: 2, numHeads: 2, patchSize: 8 }));
    const weights = readSafetensors(readFileSync(reference.backboneWeights as string));
    expect([...weights.tensors.keys()]).toContain('blocks.1.attn.qkv.weight');
    expect(loadViTWeights(vit, weights.tensors).loaded).toHaveLength(vit.variables.size);
    vit.dispose();
  });

  it('a run stopped part-way and resumed continues exactly as the uninterrupted one', async () => {
    const first = await run({ ...TINY, maxSteps: 3 });
    const partial = first.result as PretrainResult;
    expect(partial).toMatchObject({ finished: false, steps: 3 });
    expect(runs.get(partial.runId)?.status).toBe('paused');
    const resumed = await run({ ...TINY, runId: partial.runId });
    expect(resumed.status, JSON.stringify(resumed.error)).toBe('completed');
    const losses = (id: number) => runs.metric(id, 'loss').map((m) => m.value);
    expect(losses(partial.runId)).toEqual(losses(reference.runId));
  });

  it('survives a killed worker: the job resumes from the last checkpoint and ends where the reference ended', async () => {
    const job = runner.start('pretrain', TINY);
    await expect.poll(() => project.db.prepare("SELECT count(*) FROM checkpoints c JOIN jobs j ON j.run_id = c.run_id WHERE j.id = ?").pluck().get(job.id), { timeout: 120_000, interval: 50 }).toBeGreaterThan(0);
    const pid = project.db.prepare('SELECT pid FROM jobs WHERE id = ?').pluck().get(job.id) as number;
    process.kill(pid, 'SIGKILL');
    expect((await runner.waitFor(job.id)).status).toBe('failed');
    const resumed = await runner.waitFor(runner.resume(job.id).id);
    expect(resumed.status, JSON.stringify(resumed.error)).toBe('completed');
    const runId = (resumed.result as PretrainResult).runId;
    const losses = (id: number) => runs.metric(id, 'loss').map((m) => m.value);
    expect(losses(runId)).toEqual(losses(reference.runId));
  });
});

describe('pretrain job with a ResNet-18 backbone (narrow, wasm with the app\'s convolution-gradient kernels)', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let project: Project;
  let runner: JobRunner;
  let runs: RunsRepository;
  const RESNET = { ...TINY, arch: 'resnet18', resnetWidths: [4, 8, 8, 16], custom: undefined, epochs: 1, checkpointEvery: 1 } as const;

  beforeAll(async () => {
    temp = makeTempDir();
    project = Project.create(path.join(temp.dir, 'p'));
    runner = new JobRunner(project);
    runs = new RunsRepository(project.db);
    const demo = await runner.waitFor(runner.start('demo.generate', { patients: 2, eyesPerPatient: 1, visitsPerEye: 1, slicesPerVolume: 8, width: 64, height: 62 }).id);
    expect(demo.status).toBe('completed');
  }, 120_000);
  afterAll(() => {
    runner.shutdown();
    project.close();
    temp.cleanup();
  });

  it('trains, and resumes exactly (BatchNorm running statistics included in the checkpoint)', async () => {
    const { custom: _unused, ...params } = RESNET;
    const whole = await runner.waitFor(runner.start('pretrain', params).id);
    expect(whole.status, JSON.stringify(whole.error)).toBe('completed');
    const reference = whole.result as PretrainResult;
    expect(reference).toMatchObject({ finished: true, steps: 2, backend: 'wasm' });
    const first = await runner.waitFor(runner.start('pretrain', { ...params, maxSteps: 1 }).id);
    const partial = first.result as PretrainResult;
    const resumed = await runner.waitFor(runner.start('pretrain', { ...params, runId: partial.runId }).id);
    expect(resumed.status, JSON.stringify(resumed.error)).toBe('completed');
    const losses = (id: number) => runs.metric(id, 'loss').map((m) => m.value);
    expect(losses(partial.runId)).toEqual(losses(reference.runId));
    expect(readSafetensors(readFileSync(reference.backboneWeights as string)).tensors.has('layer1.0.bn1.running_mean')).toBe(true);
  });
});
