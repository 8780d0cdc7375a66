import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRunner } from '../../../../src-main/jobs/job-runner.js';
import type { PipelineResult } from '../../../../src-main/ml/pipeline/pipeline-job.js';
import type { MultiLabelMetrics } from '../../../../src-main/ml/metrics/index.js';
import { Project } from '../../../../src-main/project/project.js';
import { RunsRepository } from '../../../../src-main/project/runs.js';
import { makeTempDir } from '../../../fixtures/temp-dir.js';

/** The whole experiment at CI size: a 2-block ViT of width 32, 32/16-px crops, two epochs each. */
export const TINY_PIPELINE = {
  preset: 'quick',
  seed: 3,
  backend: 'wasm',
  pretrain: {
    arch: 'vit_custom',
    custom: { embedDim: 32, depth: 2, numHeads: 2 },
    patch: 8,
    epochs: 2,
    batch: 16,
    outDim: 64,
    headHiddenDim: 32,
    headBottleneckDim: 16,
    globalSize: 32,
    localSize: 16,
    localCrops: 2,
    warmupEpochs: 1,
    checkpointEvery: 4,
  },
  downstream: { batch: 16, linearEpochs: 20, finetuneEpochs: 2, warmupEpochs: 0, patience: 0, bootstrap: 50 },
} as const;

describe('pipeline job (real worker, wasm, tiny ViT on the demo data)', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let project: Project;
  let runner: JobRunner;
  let runs: RunsRepository;
  let result: PipelineResult;

  beforeAll(async () => {
    temp = makeTempDir();
    project = Project.create(path.join(temp.dir, 'p'));
    runner = new JobRunner(project);
    runs = new RunsRepository(project.db);
    const demo = await runner.waitFor(runner.start('demo.generate', { patients: 10, eyesPerPatient: 1, visitsPerEye: 2, slicesPerVolume: 5, width: 64, height: 62 }).id);
    expect(demo.status).toBe('completed');
    const done = await runner.waitFor(runner.start('pipeline', TINY_PIPELINE).id);
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    result = done.result as PipelineResult;
  }, 300_000);
  afterAll(() => {
    runner.shutdown();
    project.close();
    temp.cleanup();
  });

  it('makes a patient split, pretrains, runs the four arms and evaluates each on the test split', () => {
    expect(result.kind).toBe('pipeline');
    expect(Object.keys(result.arms).sort()).toEqual(['dino_finetune', 'dino_knn', 'dino_linear', 'supervised']);
    const pipeline = runs.get(result.pipeline);
    expect(pipeline).toMatchObject({ kind: 'pipeline', status: 'completed', seed: 3 });
    const children = runs.children(result.pipeline);
    expect(children.map((c) => c.kind).sort()).toEqual(['finetune', 'knn', 'linear_probe', 'pretrain', 'supervised']);
    expect(children.every((c) => c.status === 'completed')).toBe(true);
    expect(project.db.prepare('SELECT count(*) FROM splits').pluck().get()).toBe(1);
    for (const [arm, summary] of Object.entries(result.arms)) {
      expect(summary.macroAuroc, arm).not.toBeNull();
      expect(summary.macroAuroc!, arm).toBeGreaterThanOrEqual(0);
      expect(summary.macroAuroc!, arm).toBeLessThanOrEqual(1);
      const labels = Object.keys(summary.perLabel);
      expect(labels.length, arm).toBeGreaterThan(0);
      for (const l of labels) expect(Object.keys(summary.perLabel[l]!).sort()).toEqual(['auprc', 'auroc', 'ci95', 'f1', 'sensitivity', 'specificity']);
    }
  });

  it('keeps the test patients out of pretraining and of every training set', () => {
    const splitId = project.db.prepare('SELECT id FROM splits').pluck().get() as number;
    const testImages = new Set(
      project.db.prepare("SELECT i.id FROM images i JOIN split_assignments sa ON sa.patient_id = i.patient_id AND sa.split_id = ? WHERE sa.subset = 'test'").pluck().all(splitId) as number[],
    );
    expect(testImages.size).toBeGreaterThan(0);
    const pretrain = runs.get(result.pretrainRun)!;
    expect((pretrain.data as { imageIds: number[] }).imageIds.some((id) => testImages.has(id))).toBe(false);
    for (const child of runs.children(result.pipeline).filter((c) => c.kind !== 'pretrain')) {
      expect((child.data as { trainImageIds: number[] }).trainImageIds.some((id) => testImages.has(id)), child.name).toBe(false);
    }
  });

  it('stores val and test evaluations, the test predictions and the per-epoch curves', () => {
    for (const child of runs.children(result.pipeline).filter((c) => c.kind !== 'pretrain')) {
      const val = runs.evaluation(child.id, 'val');
      const test = runs.evaluation(child.id, 'test');
      expect(val, child.name).not.toBeNull();
      const metrics = test!.metrics as MultiLabelMetrics;
      expect(metrics.task).toBe('multi_label');
      expect(metrics.bootstrap).toMatchObject({ resamples: 50, unit: 'patient' });
      const predictions = project.db.prepare('SELECT count(*) FROM predictions WHERE evaluation_id = ?').pluck().get(test!.id) as number;
      expect(predictions).toBe(metrics.images * metrics.perLabel.length);
    }
    const finetune = runs.children(result.pipeline).find((c) => c.kind === 'finetune')!;
    expect(runs.metric(finetune.id, 'train_loss').map((m) => m.step)).toEqual([0, 1]);
    expect(runs.metric(finetune.id, 'val_macro_auroc')).toHaveLength(2);
  });

  it('writes the predictions CSV with the documented columns', () => {
    expect(existsSync(result.predictions)).toBe(true);
    const lines = readFileSync(result.predictions, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('image_id,path,patient,split,label,truth,probability,arm,run_id');
    const rows = lines.slice(1).map((l) => l.split(','));
    expect(new Set(rows.map((r) => r[3]))).toEqual(new Set(['test']));
    expect(new Set(rows.map((r) => r[7]))).toEqual(new Set(['dino_linear', 'dino_finetune', 'supervised', 'dino_knn']));
    for (const r of rows.slice(0, 50)) {
      const p = Number(r[6]);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThanOrEqual(1);
      expect(['0', '1', '']).toContain(r[5]);
    }
  });

  it('resumed after completion, reuses every stage and returns the same numbers', async () => {
    const again = await runner.waitFor(runner.start('pipeline', { ...TINY_PIPELINE, runId: result.pipeline }).id);
    expect(again.status, JSON.stringify(again.error)).toBe('completed');
    const r = again.result as PipelineResult;
    expect(r.pipeline).toBe(result.pipeline);
    expect(r.arms.dino_linear?.macroAuroc).toBe(result.arms.dino_linear?.macroAuroc);
    expect(runs.children(result.pipeline)).toHaveLength(5);
  });

  it('sweeps label budgets and seeds reusing one pretraining, with nested budgets', async () => {
    const done = await runner.waitFor(
      runner.start('pipeline', {
        ...TINY_PIPELINE,
        pretrainRunId: result.pretrainRun,
        arms: ['dino_linear', 'supervised'],
        downstream: { ...TINY_PIPELINE.downstream, finetuneEpochs: 1 },
        sweep: { budgets: [{ kind: 'count', value: 8 }, { kind: 'fraction', value: 1 }], seeds: [0, 1] },
      }).id,
    );
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    const sweep = done.result as PipelineResult;
    expect(sweep.kind).toBe('sweep');
    expect(sweep.pretrainRun).toBe(result.pretrainRun);
    expect(sweep.points).toHaveLength(2 * 2 * 2);
    expect(runs.children(sweep.pipeline).some((c) => c.kind === 'pretrain')).toBe(false);
    const small = sweep.points!.filter((p) => p.budget.kind === 'count');
    const all = sweep.points!.filter((p) => p.budget.kind === 'fraction');
    expect(small.every((p) => p.budget.images === 8)).toBe(true);
    expect(all.every((p) => p.budget.images > 8 && p.budget.images === all[0]!.budget.images)).toBe(true);
    // Same seed: the 8 images of the small budget are among the full budget's images.
    for (const seed of [0, 1]) {
      const ids = (budgetKind: string): number[] => {
        const p = sweep.points!.find((q) => q.seed === seed && q.arm === 'supervised' && q.budget.kind === budgetKind)!;
        return (runs.get(p.runId)!.data as { trainImageIds: number[] }).trainImageIds;
      };
      const full = new Set(ids('fraction'));
      expect(ids('count').every((id) => full.has(id))).toBe(true);
    }
  });

  it('resumes a killed pipeline at the stage and checkpoint it reached', async () => {
    const params = { ...TINY_PIPELINE, seed: 11, arms: ['dino_finetune'], downstream: { ...TINY_PIPELINE.downstream, finetuneEpochs: 4 } };
    const job = runner.start('pipeline', params);
    // Kill the worker once fine-tuning has finished at least one epoch (pretraining is then done).
    await expect
      .poll(
        () => {
          const pipelineRun = project.db.prepare('SELECT run_id FROM jobs WHERE id = ?').pluck().get(job.id) as number | null;
          if (pipelineRun === null) return 0;
          const ft = runs.children(pipelineRun).find((c) => c.kind === 'finetune');
          return ft ? runs.metric(ft.id, 'train_loss').length : 0;
        },
        { timeout: 120_000, interval: 100 },
      )
      .toBeGreaterThanOrEqual(1);
    const pid = project.db.prepare('SELECT pid FROM jobs WHERE id = ?').pluck().get(job.id) as number;
    process.kill(pid, 'SIGKILL');
    const killed = await runner.waitFor(job.id);
    expect(killed.status).toBe('failed');
    const pipelineRun = project.db.prepare('SELECT run_id FROM jobs WHERE id = ?').pluck().get(job.id) as number;
    const before = runs.children(pipelineRun);
    const pretrain = before.find((c) => c.kind === 'pretrain')!;
    const finetune = before.find((c) => c.kind === 'finetune')!;
    expect(pretrain.status).toBe('completed');
    const epochsBefore = runs.metric(finetune.id, 'train_loss').length;
    const pretrainStepsBefore = runs.metric(pretrain.id, 'loss').length;

    const resumed = await runner.waitFor(runner.resume(job.id).id);
    expect(resumed.status, JSON.stringify(resumed.error)).toBe('completed');
    const after = runs.children(pipelineRun);
    // The same two stage runs: pretraining was not redone, fine-tuning went on from its epoch checkpoint.
    expect(after.map((c) => c.id)).toEqual(before.map((c) => c.id));
    expect(runs.metric(pretrain.id, 'loss')).toHaveLength(pretrainStepsBefore);
    expect(runs.get(pretrain.id)!.finishedAt).toBe(pretrain.finishedAt);
    const losses = runs.metric(finetune.id, 'train_loss');
    expect(losses.map((m) => m.step)).toEqual([0, 1, 2, 3]);
    expect(epochsBefore).toBeGreaterThanOrEqual(1);
    expect((resumed.result as PipelineResult).arms.dino_finetune?.runId).toBe(finetune.id);
  }, 240_000);
});

