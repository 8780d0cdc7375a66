/**
 * The results reader on what the real `pipeline` job writes (not on hand-made rows): a tiny
 * pipeline (2-block ViT at 32 px, one epoch) on a small demo dataset, then every read.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRunner } from '../../../src-main/jobs/job-runner.js';
import { Project } from '../../../src-main/project/project.js';
import { ResultsReader } from '../../../src-main/project/results.js';
import { makeTempDir } from '../../fixtures/temp-dir.js';

const TINY = {
  labels: { kind: 'fraction', value: 0.5 },
  preset: 'quick',
  seed: 2,
  backend: 'wasm',
  pretrain: { arch: 'vit_custom', custom: { embedDim: 32, depth: 2, numHeads: 2 }, patch: 8, epochs: 1, batch: 16, outDim: 64, headHiddenDim: 32, headBottleneckDim: 16, globalSize: 32, localSize: 16, localCrops: 1, warmupEpochs: 0 },
  downstream: { batch: 16, linearEpochs: 10, finetuneEpochs: 1, warmupEpochs: 0, bootstrap: 30 },
};

let temp: ReturnType<typeof makeTempDir>;
let project: Project;
let results: ResultsReader;

beforeAll(async () => {
  temp = makeTempDir('octdino-results-pipeline-');
  project = Project.create(path.join(temp.dir, 'p'));
  const runner = new JobRunner(project);
  try {
    const demo = await runner.waitFor(runner.start('demo.generate', { patients: 16, eyesPerPatient: 1, visitsPerEye: 2, slicesPerVolume: 3, width: 64, height: 62 }).id);
    expect(demo.status).toBe('completed');
    const pipeline = await runner.waitFor(runner.start('pipeline', TINY).id);
    expect(pipeline.error).toBeNull();
    expect(pipeline.status).toBe('completed');
  } finally {
    runner.shutdown();
  }
  results = new ResultsReader(project.db);
}, 120_000);

afterAll(() => {
  project?.close();
  temp?.cleanup();
});

describe('results of a real pipeline run', () => {
  it('lists the pipeline with its stages, config and the engine its stages used', () => {
    const [run] = results.listRuns();
    expect(run).toMatchObject({ kind: 'pipeline', status: 'completed', children: { total: 5, completed: 5 } });
    expect(run!.summary).toMatchObject({ preset: 'quick', labels: { kind: 'fraction', value: 0.5 }, seed: 2, sweep: null });
    expect(run!.summary.labelSetName).toBeTruthy();
    expect(run!.engine.backend).toBe('wasm');
    const detail = results.runDetail(run!.id)!;
    expect(detail.children.map((c) => c.kind).sort()).toEqual(['finetune', 'knn', 'linear_probe', 'pretrain', 'supervised']);
    const pretrain = detail.children.find((c) => c.kind === 'pretrain')!;
    expect(pretrain.metricNames).toEqual(expect.arrayContaining(['loss', 'teacher_entropy']));
    const probe = detail.children.find((c) => c.kind === 'linear_probe')!;
    expect(probe.metricNames).toEqual(expect.arrayContaining(['train_loss', 'val_loss']));
    expect(probe.budget).toMatchObject({ kind: 'fraction', value: 0.5 });
    expect(probe.budget!.images).toBeGreaterThan(0);
    expect(probe.val?.metrics?.task).toBe('multi_label');
    expect(results.runMetrics(pretrain.id, ['loss'])[0]!.steps.length).toBeGreaterThan(0);
  });

  it('compares the four arms per label, draws one efficiency point per arm and pages predictions', () => {
    const [run] = results.listRuns();
    const table = results.comparison(run!.id)!;
    expect(table.arms.map((a) => a.arm)).toEqual(['dino_linear', 'dino_finetune', 'dino_knn', 'supervised']);
    expect(table.labels.length).toBeGreaterThan(1);
    for (const arm of table.arms) expect(arm.metrics?.perLabel.map((l) => l.label)).toEqual(table.labels);
    const curve = results.efficiencyCurve(run!.id)!;
    expect(curve.arms.map((a) => a.points.length)).toEqual([1, 1, 1, 1]);
    const page = results.predictions(table.arms[0]!.evaluationId!, { sort: 'most_wrong', offset: 0, limit: 500 })!;
    expect(page.total).toBeGreaterThan(0);
    expect(page.rows.every((r) => r.subset === 'test')).toBe(true);
    const errors = page.rows.map((r) => (r.truth === null ? -1 : Math.abs(r.truth - r.probability)));
    expect(errors).toEqual([...errors].sort((a, b) => b - a));
  });
});
