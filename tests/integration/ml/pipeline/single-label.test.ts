import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRunner } from '../../../../src-main/jobs/job-runner.js';
import type { ArmResult } from '../../../../src-main/ml/finetune/arm-job.js';
import type { SingleLabelMetrics } from '../../../../src-main/ml/metrics/index.js';
import { Project } from '../../../../src-main/project/project.js';
import { createPatientSplit } from '../../../../src-main/project/splits.js';
import { makeTempDir } from '../../../fixtures/temp-dir.js';

/**
 * A single-label task (softmax + cross-entropy; accuracy, balanced accuracy, confusion matrix):
 * the demo's scans classed "fluid" (IRF present) or "dry", stored the way the schema says —
 * the chosen class present, the other absent.
 */
describe('single-label downstream arms (real worker, wasm)', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let project: Project;
  let runner: JobRunner;

  beforeAll(async () => {
    temp = makeTempDir();
    project = Project.create(path.join(temp.dir, 'p'));
    runner = new JobRunner(project);
    const demo = await runner.waitFor(runner.start('demo.generate', { patients: 16, eyesPerPatient: 1, visitsPerEye: 2, slicesPerVolume: 3, width: 64, height: 62 }).id);
    expect(demo.status).toBe('completed');
    const db = project.db;
    const now = new Date().toISOString();
    const set = Number(db.prepare("INSERT INTO label_sets (name, kind, created_at) VALUES ('Fluid status', 'single_label', ?)").run(now).lastInsertRowid);
    const fluid = Number(db.prepare("INSERT INTO labels (label_set_id, name, position) VALUES (?, 'fluid', 0)").run(set).lastInsertRowid);
    const dry = Number(db.prepare("INSERT INTO labels (label_set_id, name, position) VALUES (?, 'dry', 1)").run(set).lastInsertRowid);
    const annotator = Number(db.prepare("INSERT INTO annotators (name, kind, created_at) VALUES ('grader', 'human', ?)").run(now).lastInsertRowid);
    const irf = db
      .prepare("SELECT e.image_id AS id, e.value FROM effective_annotations e JOIN labels l ON l.id = e.label_id WHERE l.name = 'Fluid (IRF)'")
      .all() as { id: number; value: string }[];
    const insert = db.prepare("INSERT INTO annotations (image_id, label_id, annotator_id, value, source, created_at, updated_at) VALUES (?, ?, ?, ?, 'human', ?, ?)");
    db.transaction(() => {
      for (const { id, value } of irf) {
        if (value !== 'present' && value !== 'absent') continue;
        insert.run(id, fluid, annotator, value === 'present' ? 'present' : 'absent', now, now);
        insert.run(id, dry, annotator, value === 'present' ? 'absent' : 'present', now, now);
      }
    })();
    createPatientSplit(db, { name: 'split', seed: 4, fractions: { train: 0.6, val: 0.2, test: 0.2 }, labelSetId: set });
  }, 120_000);
  afterAll(() => {
    runner.shutdown();
    project.close();
    temp.cleanup();
  });

  for (const arm of ['supervised', 'dino_knn'] as const) {
    it(`${arm}: trains or votes over classes and reports accuracy, balanced accuracy and the confusion matrix`, async () => {
      const params = {
        arm,
        labelSet: 'Fluid status',
        seed: 1,
        backend: 'wasm',
        arch: 'vit_custom',
        patch: 8,
        custom: { embedDim: 32, depth: 2, numHeads: 2 },
        // k-NN needs a backbone file; the supervised arm's architecture serves (untrained weights are fine here).
        ...(arm === 'dino_knn' ? { weights: await untrainedBackbone() } : {}),
        downstream: { inputSize: 32, batch: 16, finetuneEpochs: 2, warmupEpochs: 0, patience: 0, bootstrap: 40 },
      };
      const done = await runner.waitFor(runner.start('finetune', params).id);
      expect(done.status, JSON.stringify(done.error)).toBe('completed');
      const result = done.result as ArmResult;
      const m = result.test as SingleLabelMetrics;
      expect(m.task).toBe('single_label');
      expect(m.classes).toEqual(['fluid', 'dry']);
      const total = m.confusion.flat().reduce((a, b) => a + b, 0);
      expect(total).toBe(m.images);
      const correct = m.confusion[0]![0]! + m.confusion[1]![1]!;
      expect(m.accuracy).toBeCloseTo(correct / total, 12);
      expect(m.balancedAccuracy).toBeGreaterThanOrEqual(0);
      expect(m.perLabel.map((l) => l.threshold)).toEqual([null, null]);
      // Class probabilities of every test image sum to 1.
      const rows = project.db
        .prepare('SELECT image_id, sum(score) AS total FROM predictions WHERE evaluation_id = ? GROUP BY image_id')
        .all(result.testEvaluationId) as { total: number }[];
      expect(rows).toHaveLength(m.images);
      for (const r of rows) expect(r.total).toBeCloseTo(1, 5);
    }, 120_000);
  }

  async function untrainedBackbone(): Promise<string> {
    const { loadEngine } = await import('../../../../src-main/ml/engine/index.js');
    const { ViT } = await import('../../../../src-main/ml/models/vit.js');
    const { customViTConfig } = await import('../../../../src-main/ml/models/vit-config.js');
    const { exportViTWeights } = await import('../../../../src-main/ml/weights/vit-weights.js');
    const { writeFileSync } = await import('node:fs');
    const { tf } = await loadEngine({ only: ['cpu'] });
    const vit = new ViT(tf, customViTConfig({ embedDim: 32, depth: 2, numHeads: 2, patchSize: 8, seed: 9 }));
    const file = path.join(temp.dir, 'untrained.safetensors');
    writeFileSync(file, exportViTWeights(vit));
    vit.dispose();
    return file;
  }
});
