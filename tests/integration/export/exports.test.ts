import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppCore } from '../../../src-main/api/core.js';
import { dispatch } from '../../../src-main/api/dispatch.js';
import { exportBackbone, exportClassifier, ExportError, exportLabels, exportMetrics, exportPredictions, exportProjectArchive, listExports } from '../../../src-main/export/index.js';
import type { PipelineResult } from '../../../src-main/ml/pipeline/pipeline-job.js';
import { readSafetensors } from '../../../src-main/ml/weights/safetensors.js';
import { AnnotationsRepository } from '../../../src-main/project/annotations.js';
import { Project } from '../../../src-main/project/project.js';
import { RunsRepository } from '../../../src-main/project/runs.js';
import { runOctdino } from '../../fixtures/run-cli.js';
import { makeTempDir } from '../../fixtures/temp-dir.js';
import { createTinyPipelineProject } from '../../fixtures/tiny-pipeline.js';

/** Unpacks a zip with JSZip (a test-only reader; the app writes with archiver). */
async function unzip(file: string, into: string): Promise<string[]> {
  const zip = await JSZip.loadAsync(readFileSync(file));
  const names: string[] = [];
  for (const entry of Object.values(zip.files)) {
    names.push(entry.name);
    const target = path.join(into, entry.name);
    if (entry.dir) mkdirSync(target, { recursive: true });
    else {
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, await entry.async('nodebuffer'));
    }
  }
  return names.sort();
}

describe('exports of a real tiny pipeline', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let dir: string;
  let pipeline: PipelineResult;
  let project: Project;
  let linearRun: number;

  beforeAll(async () => {
    temp = makeTempDir();
    dir = path.join(temp.dir, 'study');
    pipeline = await createTinyPipelineProject(dir, 'Export study');
    linearRun = pipeline.arms.dino_linear!.runId;
    project = Project.open(dir);
  }, 180_000);
  afterAll(() => {
    project?.close();
    temp?.cleanup();
  });

  it('writes predictions and metrics CSV of the whole pipeline into exports/', async () => {
    const p = await exportPredictions(project, pipeline.pipeline);
    expect(p.path.startsWith(path.join(dir, 'exports') + path.sep)).toBe(true);
    expect(p.files).toHaveLength(1);
    expect(p.files[0]!.relative).toMatch(/^exports\/predictions-run-\d+-\d{8}-\d{6}\.csv$/);
    const csv = readFileSync(p.path, 'utf8').trim().split('\n');
    expect(csv[0]).toBe('image_id,path,patient,split,label,truth,probability,arm,run_id');
    expect(csv.length - 1).toBe(p.count);
    expect(p.bytes).toBe(Buffer.byteLength(readFileSync(p.path)));
    const arms = new Set(csv.slice(1).map((l) => l.split(',').at(-2)));
    expect([...arms].sort()).toEqual(Object.keys(pipeline.arms).sort());

    const m = await exportMetrics(project, pipeline.pipeline);
    expect(readFileSync(m.path, 'utf8').split('\n')[0]).toBe('run_id,arm,labelled_images,labelled_patients,seed,label,metric,value,ci_low,ci_high');
    expect(m.count).toBe(Object.keys(pipeline.arms).length);
  });

  it('refuses what cannot be exported with a reason', async () => {
    await expect(exportPredictions(project, 9999)).rejects.toThrow(ExportError);
    await expect(exportPredictions(project, pipeline.pretrainRun)).rejects.toThrow(/pretrain run/);
    await expect(exportClassifier(project, pipeline.pipeline)).rejects.toThrow(/not a downstream run/);
  });

  it('writes the classifier folder and the backbones', async () => {
    const c = await exportClassifier(project, linearRun);
    expect(c.files.map((f) => path.basename(f.path)).sort()).toEqual(['model.json', 'weights.bin']);
    expect(c.files.every((f) => f.relative.startsWith(`exports/${path.basename(c.path)}/`))).toBe(true);
    const model = JSON.parse(readFileSync(path.join(c.path, 'model.json'), 'utf8')) as { userDefinedMetadata: { run: number; arm: string } };
    expect(model.userDefinedMetadata).toMatchObject({ run: linearRun, arm: 'dino_linear' });

    const teacher = await exportBackbone(project, pipeline.pretrainRun);
    expect(teacher.count).toBeGreaterThan(10);
    expect(readSafetensors(readFileSync(teacher.path)).tensors.size).toBe(teacher.count);
    const arm = await exportBackbone(project, linearRun);
    expect(arm.path).toMatch(/\.safetensors$/);
    expect(readSafetensors(readFileSync(arm.path)).tensors.size).toBe(arm.count);
  });

  it('writes a label set as CSV, effective or one annotator’s', async () => {
    const repo = new AnnotationsRepository(project.db);
    const set = repo.labelSets()[0]!;
    const effective = await exportLabels(project, { labelSetId: set.id });
    expect(effective.labelSet).toBe(set.name);
    expect(effective.annotator).toBeNull();
    const lines = readFileSync(effective.path, 'utf8').trim().split('\n');
    expect(lines[0]).toBe(['image_id', 'path', 'patient', 'eye', 'visit', 'slice', ...set.labels.map((l) => l.name)].join(','));
    expect(lines.length - 1).toBe(effective.rows);
    const annotator = repo.annotators()[0]!;
    const one = await exportLabels(project, { labelSetId: set.id, annotatorId: annotator.id });
    expect(one.annotator).toBe(annotator.name);
    await expect(exportLabels(project, { labelSetId: 999 })).rejects.toThrow(/No label set 999/);
  });

  it('lists what was exported, newest first', async () => {
    const listed = await listExports(dir);
    expect(listed.some((f) => f.folder === 'exports' && f.relative.endsWith('model.json'))).toBe(true);
    expect(listed.every((f) => f.bytes > 0 || f.relative.endsWith('.csv'))).toBe(true);
  });

  it('archives the project so that the unpacked folder opens with its runs and labels', async () => {
    // A write that is only in the WAL so far must be in the archive's copy.
    const repo = new AnnotationsRepository(project.db);
    const set = repo.labelSets()[0]!;
    const alice = repo.ensureAnnotator('Alice');
    const image = project.db.prepare("SELECT id FROM images WHERE status = 'ok' ORDER BY id LIMIT 1").pluck().get() as number;
    repo.set({ imageId: image, labelId: set.labels[0]!.id, annotatorId: alice.id, value: 'present' });
    writeFileSync(path.join(dir, 'reports', 'note.html'), '<p>report</p>');

    const archive = await exportProjectArchive(project);
    expect(archive.path).toMatch(/exports\/.*-archive-\d{8}-\d{6}\.zip$/);
    expect(archive.entries).toEqual(['project.sqlite', 'README.txt', 'reports/']);
    const into = path.join(temp.dir, 'unpacked');
    const names = await unzip(archive.path, into);
    expect(names).toContain('study/project.sqlite');
    expect(names).toContain('study/reports/note.html');
    expect(names.some((n) => n.startsWith('study/checkpoints/') || n.startsWith('study/cache/') || n.startsWith('study/thumbs/'))).toBe(false);
    const readme = readFileSync(path.join(into, 'study', 'README.txt'), 'utf8');
    expect(readme).toMatch(/source images are NOT included/);
    expect(readme).toMatch(/UPDATE sources SET root_path/);

    const copy = Project.open(path.join(into, 'study'));
    try {
      expect(copy.meta.name).toBe('Export study');
      const runs = new RunsRepository(copy.db);
      expect(runs.get(pipeline.pipeline)?.status).toBe('completed');
      expect(runs.evaluation(linearRun, 'test')).not.toBeNull();
      const copied = new AnnotationsRepository(copy.db);
      expect(copied.imageLabels(image, set.id, alice.id)).toEqual(repo.imageLabels(image, set.id, alice.id));
      expect(copied.labelSets().map((s) => s.name)).toEqual(repo.labelSets().map((s) => s.name));
    } finally {
      copy.close();
    }

    const withCheckpoints = await exportProjectArchive(project, { withCheckpoints: true, out: path.join(temp.dir, 'full.zip') });
    expect(withCheckpoints.entries).toContain('checkpoints/');
    const full = await JSZip.loadAsync(readFileSync(withCheckpoints.path));
    expect(Object.keys(full.files).some((n) => n.startsWith('study/checkpoints/run-'))).toBe(true);
    expect(withCheckpoints.bytes).toBeGreaterThan(archive.bytes);
  });

  it('serves the same exports through the API, with input errors as such', async () => {
    const core = new AppCore({ appHome: path.join(temp.dir, 'home') });
    try {
      core.openProject(dir);
      const p = await dispatch(core, 'exports.predictions', { runId: linearRun });
      expect(p.ok).toBe(true);
      expect((p as { result: { files: { relative: string }[] } }).result.files[0]!.relative).toMatch(/^exports\/predictions-run-/);
      const m = await dispatch(core, 'exports.metrics', { runId: pipeline.pipeline });
      expect(m.ok).toBe(true);
      const missing = await dispatch(core, 'exports.classifier', { runId: 9999 });
      expect(missing).toMatchObject({ ok: false, error: { code: 'not_found' } });
      const wrong = await dispatch(core, 'exports.classifier', { runId: pipeline.pipeline });
      expect(wrong).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
      expect(await dispatch(core, 'exports.predictions', { runId: -1 })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
      expect(await dispatch(core, 'exports.archive', { withCheckpoints: 'yes' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
      const a = await dispatch(core, 'exports.archive', {});
      expect(a).toMatchObject({ ok: true, result: { entries: ['project.sqlite', 'README.txt', 'reports/'] } });
      const list = await dispatch(core, 'exports.list', {});
      expect((list as { result: unknown[] }).result.length).toBeGreaterThan(3);
    } finally {
      core.dispose();
    }
  });

  it('keeps `octdino export …` and `octdino labels export` working through the same functions', () => {
    const out = path.join(temp.dir, 'cli');
    const pred = runOctdino(['export', 'predictions', '--project', dir, '--run', String(pipeline.pipeline), '--out', path.join(out, 'p.csv'), '--json']);
    expect(pred.status, pred.stderr).toBe(0);
    expect(JSON.parse(pred.stdout)).toMatchObject({ run: pipeline.pipeline, predictions: path.join(out, 'p.csv') });
    const cls = runOctdino(['export', 'classifier', '--project', dir, '--run', String(linearRun), '--out', path.join(out, 'cls'), '--json']);
    expect(cls.status, cls.stderr).toBe(0);
    expect(JSON.parse(cls.stdout)).toMatchObject({ classifier: path.join(out, 'cls'), modelJson: path.join(out, 'cls', 'model.json') });
    const archive = runOctdino(['export', 'archive', '--project', dir, '--out', path.join(out, 'a.zip'), '--with-checkpoints', '--json']);
    expect(archive.status, archive.stderr).toBe(0);
    expect(JSON.parse(archive.stdout)).toMatchObject({ archive: path.join(out, 'a.zip'), entries: ['project.sqlite', 'README.txt', 'reports/', 'checkpoints/'] });
    const labels = runOctdino(['labels', 'export', '--project', dir, '--out', path.join(out, 'l.csv'), '--json']);
    expect(labels.status, labels.stderr).toBe(0);
    expect(existsSync(path.join(out, 'l.csv'))).toBe(true);
    const bad = runOctdino(['export', 'predictions', '--project', dir, '--run', '9999', '--out', path.join(out, 'x.csv')]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/No run 9999/);
    expect(readdirSync(out).sort()).toEqual(['a.zip', 'cls', 'l.csv', 'p.csv']);
  });
});
