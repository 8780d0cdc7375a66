import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueueResult } from '../../../src-main/annotate/queue/queue-job.js';
import { latestQueue } from '../../../src-main/annotate/queue/queue-store.js';
import { JobRunner } from '../../../src-main/jobs/job-runner.js';
import type { PretrainResult } from '../../../src-main/ml/pretrain/pretrain-job.js';
import { AnnotationsRepository } from '../../../src-main/project/annotations.js';
import { Project } from '../../../src-main/project/project.js';
import { createPatientSplit } from '../../../src-main/project/splits.js';
import { makeTempDir } from '../../fixtures/temp-dir.js';

/**
 * "What to label next" on the demo data: the demo's imported labels are set aside (a new,
 * empty label set is the task), a tiny DINO run gives the features, a tiny classifier the
 * probabilities.
 */
describe('annotate.queue job (real worker, wasm)', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let project: Project;
  let runner: JobRunner;
  let setId: number;
  let pretrainRun: number;

  const queue = async (params: Record<string, unknown>): Promise<QueueResult> => {
    const done = await runner.waitFor(runner.start('annotate.queue', { labelSetId: setId, backend: 'wasm', ...params }).id);
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    return done.result as QueueResult;
  };

  beforeAll(async () => {
    temp = makeTempDir();
    project = Project.create(path.join(temp.dir, 'p'));
    runner = new JobRunner(project);
    const demo = await runner.waitFor(runner.start('demo.generate', { patients: 10, eyesPerPatient: 1, visitsPerEye: 1, slicesPerVolume: 6, width: 64, height: 62 }).id);
    expect(demo.status).toBe('completed');
    createPatientSplit(project.db, { name: 'split', seed: 2, fractions: { train: 0.6, val: 0.2, test: 0.2 } });
    const repo = new AnnotationsRepository(project.db);
    setId = repo.createLabelSet({ name: 'Fluid', kind: 'multi_label', labels: ['IRF', 'SRF'] }).id;
    const done = await runner.waitFor(
      runner.start('pretrain', { arch: 'vit_custom', custom: { embedDim: 32, depth: 2, numHeads: 2 }, patch: 8, epochs: 1, batch: 8, outDim: 64, headHiddenDim: 32, headBottleneckDim: 16, globalSize: 32, localSize: 16, localCrops: 1, warmupEpochs: 0, backend: 'wasm' }).id,
    );
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    pretrainRun = (done.result as PretrainResult).runId;
  }, 180_000);
  afterAll(() => {
    runner.shutdown();
    project.close();
    temp.cleanup();
  });

  it('random: a seeded baseline within the train split, at most one image per patient, each with a reason', async () => {
    const q = await queue({ strategy: 'random', budget: 5, seed: 1 });
    expect(q.items).toHaveLength(5);
    const subsets = project.db
      .prepare(`SELECT DISTINCT sa.subset FROM images i JOIN split_assignments sa ON sa.patient_id = i.patient_id WHERE i.id IN (${q.items.map((i) => i.imageId).join(',')})`)
      .pluck()
      .all();
    expect(subsets).toEqual(['train']);
    const patients = project.db.prepare(`SELECT count(DISTINCT patient_id) FROM images WHERE id IN (${q.items.map((i) => i.imageId).join(',')})`).pluck().get();
    expect(patients).toBe(5);
    expect(q.items.every((i) => i.reason.length > 0)).toBe(true);
    expect((await queue({ strategy: 'random', budget: 5, seed: 1 })).items.map((i) => i.imageId)).toEqual(q.items.map((i) => i.imageId));
  });

  it('typiclust and k-center rank by DINO features of the latest pretraining, cached for the next queue', async () => {
    for (const strategy of ['typiclust', 'k-center'] as const) {
      const q = await queue({ strategy, budget: 4, onePerPatient: false });
      expect(q.sourceRunId).toBe(pretrainRun);
      expect(q.items.map((i) => i.rank)).toEqual([1, 2, 3, 4]);
      expect(new Set(q.items.map((i) => i.imageId)).size).toBe(4);
    }
    expect(existsSync(path.join(project.path('cache'), 'features', `run-${pretrainRun}.f32`))).toBe(true);
    const stored = latestQueue(project.db, setId)!;
    expect(stored.strategy).toBe('k-center');
    expect(stored.items.every((i) => !i.labelled)).toBe(true);
  });

  it('skips labelled images, and marks queue items labelled once they are', async () => {
    const repo = new AnnotationsRepository(project.db);
    const alice = repo.ensureAnnotator('Alice');
    const first = latestQueue(project.db, setId)!.items[0]!;
    repo.set({ imageId: first.imageId, labelId: repo.labelSet(setId).labels[0]!.id, annotatorId: alice.id, value: 'absent' });
    expect(latestQueue(project.db, setId)!.items[0]!.labelled).toBe(true);
    const q = await queue({ strategy: 'k-center', budget: 10, onePerPatient: false });
    expect(q.labelled).toBe(1);
    expect(q.items.map((i) => i.imageId)).not.toContain(first.imageId);
  });

  it('uncertainty needs a classifier and says so', async () => {
    const done = await runner.waitFor(runner.start('annotate.queue', { labelSetId: setId, strategy: 'entropy' }).id);
    expect(done.status).toBe('failed');
    expect(done.error?.message).toMatch(/needs a trained classifier for "Fluid"/);
  });

  it('entropy and margin rank the unlabelled training images by the latest classifier of the label set', async () => {
    const demoSet = project.db.prepare("SELECT id FROM label_sets WHERE name = 'Demo biomarkers'").pluck().get() as number;
    // Forget the labels of two training patients: they become the pool to choose from.
    const pool = project.db
      .prepare("SELECT i.id FROM images i JOIN split_assignments sa ON sa.patient_id = i.patient_id WHERE sa.subset = 'train' AND i.patient_id IN (SELECT patient_id FROM split_assignments WHERE subset = 'train' ORDER BY patient_id LIMIT 2)")
      .pluck()
      .all() as number[];
    project.db.prepare(`DELETE FROM annotations WHERE image_id IN (${pool.join(',')})`).run();
    const arm = await runner.waitFor(
      runner.start('finetune', {
        arm: 'supervised',
        labelSet: 'Demo biomarkers',
        arch: 'vit_custom',
        patch: 8,
        custom: { embedDim: 32, depth: 2, numHeads: 2 },
        backend: 'wasm',
        downstream: { inputSize: 32, batch: 16, finetuneEpochs: 1, warmupEpochs: 0, patience: 0, bootstrap: 10 },
      }).id,
    );
    expect(arm.status, JSON.stringify(arm.error)).toBe('completed');
    for (const strategy of ['entropy', 'margin'] as const) {
      const done = await runner.waitFor(runner.start('annotate.queue', { labelSetId: demoSet, strategy, budget: 4, onePerPatient: false, backend: 'wasm' }).id);
      expect(done.status, JSON.stringify(done.error)).toBe('completed');
      const q = done.result as QueueResult;
      expect(q.sourceRunId).toBe((arm.result as { runId: number }).runId);
      expect(q.items).toHaveLength(4);
      expect(q.items.every((i) => pool.includes(i.imageId))).toBe(true);
      const scores = q.items.map((i) => i.score!);
      // Most uncertain first: entropy falls, margin rises along the queue.
      for (let k = 1; k < scores.length; k++) {
        if (strategy === 'entropy') expect(scores[k]!).toBeLessThanOrEqual(scores[k - 1]!);
        else expect(scores[k]!).toBeGreaterThanOrEqual(scores[k - 1]!);
      }
    }
  }, 120_000);
});

