import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppCore } from '../../../src-main/api/core.js';
import { dispatch } from '../../../src-main/api/dispatch.js';
import { pipelineParamsSchema } from '../../../src-main/ml/pipeline/pipeline-params.js';
import { Project } from '../../../src-main/project/project.js';
import { downsampleIndices, EFFECTIVE_VALUE_SQL, MAX_SERIES_POINTS, ResultsReader } from '../../../src-main/project/results.js';
import { armAuroc, aurocCi, createResultsProject, IMAGES_PER_PATIENT, PRETRAIN_STEPS, RESULT_LABELS, scoreOf, truthOf, type ResultsProject } from '../../fixtures/results-project.js';
import { makeTempDir } from '../../fixtures/temp-dir.js';

let temp: ReturnType<typeof makeTempDir>;
let seeded: ResultsProject;
let project: Project;
let results: ResultsReader;

beforeAll(async () => {
  temp = makeTempDir('octdino-results-');
  seeded = await createResultsProject(path.join(temp.dir, 'study'));
  project = Project.open(seeded.dir);
  results = new ResultsReader(project.db);
});

afterAll(() => {
  project?.close();
  temp?.cleanup();
});

describe('runs list and detail', () => {
  it('lists top-level runs newest first with their children, config summary and engine', () => {
    const runs = results.listRuns();
    expect(runs.map((r) => r.id)).toEqual([seeded.sweepId, seeded.pipelineId]);
    const pipeline = runs[1]!;
    expect(pipeline).toMatchObject({ kind: 'pipeline', status: 'completed', name: 'Pipeline quick · Biomarkers · 100 %' });
    expect(pipeline.summary).toEqual({ preset: 'quick', labelSetName: 'Biomarkers', labels: { kind: 'fraction', value: 1 }, seed: 0, arms: ['dino_linear', 'dino_finetune', 'supervised', 'dino_knn'], sweep: null });
    expect(pipeline.engine).toEqual({ backend: 'wasm', device: 'cpu (4 threads)', package: '@tensorflow/tfjs-backend-wasm' });
    expect(pipeline.children).toEqual({ total: 5, completed: 5, failed: 0, running: 0 });
    expect(pipeline.latestChild).toMatchObject({ id: seeded.arms.dino_knn.runId, kind: 'knn', status: 'completed' });
    expect(runs[0]!.summary.sweep).toEqual({ budgets: [{ kind: 'count', value: 4 }, { kind: 'fraction', value: 0.5 }, { kind: 'fraction', value: 1 }], seeds: [0, 1] });
    expect(runs[0]!.children.total).toBe(1 + 3 * 2 * 2);
  });

  it('reads a run with its children, their latest evaluations, metric names and checkpoints', () => {
    const detail = results.runDetail(seeded.pipelineId)!;
    expect(detail.run.config).toMatchObject({ preset: 'quick', labelSetId: seeded.labelSetId });
    expect(detail.children.map((c) => c.kind)).toEqual(['pretrain', 'linear_probe', 'finetune', 'supervised', 'knn']);
    const pretrain = detail.children[0]!;
    expect(pretrain).toMatchObject({ arm: null, budget: null, metricNames: ['loss', 'teacher_entropy'], test: null });
    const finetune = detail.children[2]!;
    expect(finetune.arm).toBe('dino_finetune');
    expect(finetune.budget).toEqual({ kind: 'fraction', value: 1, patients: 2, images: 8 });
    expect(finetune.metricNames).toEqual(['train_loss', 'val_loss', 'val_macro_auroc']);
    expect(finetune.test?.id).toBe(seeded.arms.dino_finetune.testEvaluationId);
    expect(finetune.val?.id).toBe(seeded.arms.dino_finetune.valEvaluationId);
    expect(finetune.test?.metrics?.perLabel[0]?.auroc).toBe(armAuroc('dino_finetune', 0));
    expect(detail.checkpoints).toHaveLength(1);
    expect(detail.checkpoints[0]).toMatchObject({ runId: seeded.pretrainId, kind: 'final', step: PRETRAIN_STEPS - 1 });
    expect(results.runDetail(999_999)).toBeNull();
  });

  it('returns metric series thinned to at most 2000 points, keeping the first and the last', () => {
    const [loss] = results.runMetrics(seeded.pretrainId, ['loss']);
    expect(loss!.total).toBe(PRETRAIN_STEPS);
    expect(loss!.steps).toHaveLength(MAX_SERIES_POINTS);
    expect(loss!.steps[0]).toBe(0);
    expect(loss!.steps.at(-1)).toBe(PRETRAIN_STEPS - 1);
    expect(loss!.values[0]).toBe(11);
    const arm = results.runMetrics(seeded.arms.dino_linear.runId);
    expect(arm.map((s) => s.name)).toEqual(['train_loss', 'val_loss', 'val_macro_auroc']);
    expect(arm[2]!.steps).toEqual([0, 1, 2, 3, 4]);
    expect(results.runMetrics(seeded.pretrainId, ['nope'])).toEqual([{ name: 'nope', total: 0, steps: [], values: [] }]);
  });

  it('downsamples by even strides', () => {
    expect(downsampleIndices(3, 5)).toEqual([0, 1, 2]);
    expect(downsampleIndices(10, 4)).toEqual([0, 3, 6, 9]);
    expect(new Set(downsampleIndices(5000)).size).toBe(2000);
  });
});

describe('comparison and label efficiency', () => {
  it('puts the arms side by side with per-label AUROC and intervals', () => {
    const table = results.comparison(seeded.pipelineId)!;
    expect(table.labels).toEqual([...RESULT_LABELS]);
    expect(table.budget).toEqual({ kind: 'fraction', value: 1 });
    expect(table.arms.map((a) => a.arm)).toEqual(['dino_linear', 'dino_finetune', 'dino_knn', 'supervised']);
    const finetune = table.arms[1]!;
    expect(finetune.evaluationId).toBe(seeded.arms.dino_finetune.testEvaluationId);
    expect(finetune.metrics?.perLabel[1]).toMatchObject({ label: 'IRF', auroc: armAuroc('dino_finetune', 1), ci95: aurocCi(armAuroc('dino_finetune', 1)) });
  });

  it('chooses a sweep table by budget and seed', () => {
    const largest = results.comparison(seeded.sweepId)!;
    expect(largest.budgets).toHaveLength(3);
    expect(largest.seeds).toEqual([0, 1]);
    expect(largest.budget).toEqual({ kind: 'fraction', value: 1 });
    expect(largest.arms.map((a) => a.arm)).toEqual(['dino_linear', 'supervised']);
    const half = results.comparison(seeded.sweepId, { budget: { kind: 'fraction', value: 0.5 }, seed: 1 })!;
    expect(half.arms[0]!.metrics?.perLabel[0]?.auroc).toBe(armAuroc('dino_linear', 0, 0.5, 1));
    expect(half.arms[0]!.seed).toBe(1);
  });

  it('gives the efficiency curve per arm: mean over seeds, each seed and its interval', () => {
    const curve = results.efficiencyCurve(seeded.sweepId)!;
    expect(curve.arms.map((a) => a.arm)).toEqual(['dino_linear', 'supervised']);
    const linear = curve.arms[0]!;
    expect(linear.points).toHaveLength(3);
    const full = linear.points.at(-1)!;
    expect(full).toMatchObject({ budget: { kind: 'fraction', value: 1 }, images: 8, patients: 2 });
    expect(full.seeds.map((s) => s.seed)).toEqual([0, 1]);
    const macro = (seed: number) => Math.round(((armAuroc('dino_linear', 0, 1, seed) + armAuroc('dino_linear', 1, 1, seed) + armAuroc('dino_linear', 2, 1, seed)) / 3) * 1e4) / 1e4;
    expect(full.seeds[1]!.macroAuroc).toBe(macro(1));
    expect(full.meanMacroAuroc).toBeCloseTo((macro(0) + macro(1)) / 2, 6);
    expect(full.band![0]).toBeCloseTo((aurocCi(macro(0))[0] + aurocCi(macro(1))[0]) / 2, 6);
    // The pipeline is a curve of one point per arm.
    expect(results.efficiencyCurve(seeded.pipelineId)!.arms.every((a) => a.points.length === 1)).toBe(true);
  });
});

describe('predictions', () => {
  const evaluationId = () => seeded.arms.dino_linear.testEvaluationId;

  it('pages one label sorted by confidence, with truth, patient and subset', () => {
    const page = results.predictions(evaluationId(), { sort: 'confidence_desc', offset: 0, limit: 5 })!;
    expect(page.labels.map((l) => l.name)).toEqual([...RESULT_LABELS]);
    expect(page.labelId).toBe(seeded.labelIds[0]);
    expect(page.total).toBe(3 * IMAGES_PER_PATIENT);
    expect(page.rows).toHaveLength(5);
    const probabilities = page.rows.map((r) => r.probability);
    expect(probabilities).toEqual([...probabilities].sort((a, b) => b - a));
    const expectedTop = Math.max(...Array.from({ length: 12 }, (_, i) => scoreOf(0, i, 0)));
    expect(page.rows[0]!.probability).toBe(expectedTop);
    const top = page.rows[0]!;
    expect(top.subset).toBe('test');
    expect(top.fileName).toMatch(/^P[456]_OD_s\d\.png$/);
    const p = Number(top.patient!.slice(1)) - 1;
    const s = Number(/_s(\d)/.exec(top.fileName)![1]);
    expect(top.truth).toBe(truthOf(p, s, 0) === 'present' ? 1 : 0);

    const asc = results.predictions(evaluationId(), { sort: 'confidence_asc', offset: 10, limit: 5 })!;
    expect(asc.rows).toHaveLength(2);
    expect(asc.rows[0]!.probability).toBeLessThanOrEqual(asc.rows[1]!.probability);
  });

  it('sorts the most wrong first and leaves unknown truths last', () => {
    const srf = seeded.labelIds[2]!;
    const page = results.predictions(evaluationId(), { label: srf, sort: 'most_wrong', offset: 0, limit: 100 })!;
    expect(page.rows.every((r) => r.label === 'SRF')).toBe(true);
    const errors = page.rows.map((r) => (r.truth === null ? -1 : Math.abs(r.truth - r.probability)));
    expect(errors).toEqual([...errors].sort((a, b) => b - a));
    expect(page.rows.filter((r) => r.truth === null)).toHaveLength(3); // slice 3 of each test patient
    expect(page.rows.at(-1)!.truth).toBeNull();
  });

  it('answers null for an unknown evaluation', () => {
    expect(results.predictions(987_654, { sort: 'confidence_desc', offset: 0, limit: 10 })).toBeNull();
  });

  it('looks predictions and truths up by index, not by scanning', () => {
    const plan = (sql: string, ...args: unknown[]) =>
      (project.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map((r) => r.detail).join('\n');
    const page = plan(`SELECT p.score, ${EFFECTIVE_VALUE_SQL} FROM predictions p WHERE p.evaluation_id = ? AND p.label_id = ?`, 1, 1);
    expect(page).toMatch(/SEARCH p USING PRIMARY KEY \(evaluation_id=/);
    expect(page).toMatch(/SEARCH a USING INDEX annotations_identity \(image_id=\? AND label_id=\?\)/);
    expect(page).not.toMatch(/SCAN a\b/);
    expect(plan('SELECT * FROM runs WHERE parent_run_id = ?', 1)).toMatch(/USING INDEX runs_parent/);
    expect(plan('SELECT id FROM evaluations WHERE run_id = ? AND subset = ? ORDER BY id DESC LIMIT 1', 1, 'test')).toMatch(/USING INDEX evaluations_run/);
  });
});

describe('a stand-alone arm run', () => {
  it('is its own stage and its own one arm', () => {
    const db = project.db;
    const id = Number(
      db
        .prepare(
          `INSERT INTO runs (kind, name, status, label_set_id, config_json, seed, app_version, created_at)
           VALUES ('finetune', 'dino_finetune', 'completed', ?, ?, 4, '0.1.0', '2026-03-03T00:00:00.000Z')`,
        )
        .run(seeded.labelSetId, JSON.stringify({ arm: 'dino_finetune', budget: { kind: 'count', value: 6, patients: 2, images: 6 }, seed: 4 })).lastInsertRowid,
    );
    try {
      const metrics = JSON.stringify(results.comparison(seeded.pipelineId)!.arms[1]!.metrics);
      db.prepare("INSERT INTO evaluations (run_id, subset, method, metrics_json, created_at) VALUES (?, 'test', 'dino_finetune', ?, 't')").run(id, metrics);
      const detail = results.runDetail(id)!;
      expect(detail.children).toEqual([]);
      expect(detail.self).toMatchObject({ id, arm: 'dino_finetune', budget: { kind: 'count', value: 6 } });
      const table = results.comparison(id)!;
      expect(table.arms.map((a) => [a.arm, a.runId])).toEqual([['dino_finetune', id]]);
      expect(table.labels).toEqual([...RESULT_LABELS]);
      expect(results.efficiencyCurve(id)!.arms[0]!.points[0]).toMatchObject({ budget: { kind: 'count', value: 6 }, images: 6 });
    } finally {
      db.prepare('DELETE FROM runs WHERE id = ?').run(id);
    }
  });
});

describe('results through the API contract', () => {
  it('answers the runs, results and presets endpoints and validates their input', async () => {
    const core = new AppCore({ appHome: path.join(temp.dir, 'home') });
    try {
      core.openProject(seeded.dir);
      const list = await dispatch(core, 'runs.list', {});
      expect(list.ok && (list.result as { id: number }[]).map((r) => r.id)).toEqual([seeded.sweepId, seeded.pipelineId]);
      expect(await dispatch(core, 'runs.get', { id: 424242 })).toMatchObject({ ok: false, error: { code: 'not_found' } });
      const metrics = await dispatch(core, 'runs.metrics', { id: seeded.pretrainId, names: ['loss'] });
      expect(metrics.ok && (metrics.result as { steps: number[] }[])[0]!.steps.length).toBe(2000);
      const table = await dispatch(core, 'results.comparison', { runId: seeded.sweepId, budget: { kind: 'count', value: 4 }, seed: 1 });
      expect(table).toMatchObject({ ok: true, result: { budget: { kind: 'count', value: 4 }, seed: 1 } });
      expect(await dispatch(core, 'results.comparison', { runId: seeded.sweepId, budget: { kind: 'fraction', value: 2 } })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
      const page = await dispatch(core, 'results.predictions', { evaluationId: seeded.arms.supervised.testEvaluationId, sort: 'most_wrong', limit: 3 });
      expect(page.ok && (page.result as { rows: unknown[] }).rows).toHaveLength(3);
      expect(await dispatch(core, 'results.predictions', { evaluationId: 1, sort: 'by_name' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
      const presets = await dispatch(core, 'pipeline.presets', {});
      expect(presets.ok).toBe(true);
      const value = presets.ok ? (presets.result as { presets: Record<string, { pretrain: Record<string, unknown>; downstream: Record<string, unknown> }>; pretrainHints: Record<string, string>; downstreamHints: Record<string, string> }) : null;
      // Every setting of every preset has a hint, and a preset's settings are valid pipeline params.
      for (const preset of Object.values(value!.presets)) {
        for (const key of Object.keys(preset.pretrain)) expect(value!.pretrainHints[key], key).toBeTruthy();
        for (const key of Object.keys(preset.downstream)) expect(value!.downstreamHints[key], key).toBeTruthy();
        expect(pipelineParamsSchema.safeParse({ pretrain: preset.pretrain, downstream: preset.downstream }).success).toBe(true);
      }
    } finally {
      core.dispose();
    }
  });
});

describe('the truth of a prediction', () => {
  it('is the effective label of the effective_annotations view, with several annotators', () => {
    const db = project.db;
    const annotator = (name: string, kind: string) =>
      Number(db.prepare('INSERT INTO annotators (name, kind, created_at) VALUES (?, ?, ?)').run(name, kind, '2026-03-02T00:00:00.000Z').lastInsertRowid);
    const human = annotator('grader', 'human');
    const other = annotator('second grader', 'human');
    const judge = annotator('adjudicator', 'human');
    const model = annotator('model v1', 'model');
    const add = db.prepare('INSERT INTO annotations (image_id, label_id, annotator_id, value, source, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const testImages = seeded.imageIds.slice(12);
    const [drt, irf, srf] = seeded.labelIds as [number, number, number];
    testImages.forEach((imageId, i) => {
      add.run(imageId, drt, model, 'uncertain', 'model', 't', '2026-03-05'); // a model never beats an import
      if (i % 2 === 0) add.run(imageId, irf, human, 'present', 'human', 't', '2026-03-03');
      if (i % 4 === 0) add.run(imageId, irf, other, 'absent', 'human', 't', '2026-03-04'); // the most recent human wins
      if (i % 3 === 0) add.run(imageId, srf, judge, 'absent', 'adjudication', 't', '2026-03-01'); // adjudication wins, even older
    });
    const view = db.prepare('SELECT image_id, label_id, value FROM effective_annotations ORDER BY image_id, label_id').all();
    const inline = db.prepare(`SELECT p.image_id, p.label_id, ${EFFECTIVE_VALUE_SQL} AS value FROM (SELECT DISTINCT image_id, label_id FROM annotations) p ORDER BY p.image_id, p.label_id`).all();
    expect(inline).toEqual(view);
    const page = results.predictions(seeded.arms.dino_linear.testEvaluationId, { label: irf, sort: 'most_wrong', offset: 0, limit: 100 })!;
    const truthOfImage = new Map(page.rows.map((r) => [r.imageId, r.truth]));
    expect(truthOfImage.get(testImages[0]!)).toBe(0); // P4 slice 0: the second grader's "absent"
    expect(truthOfImage.get(testImages[2]!)).toBe(1); // the first grader's "present"
  });
});
