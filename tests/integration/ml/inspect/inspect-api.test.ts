import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppCore } from '../../../../src-main/api/core.js';
import { dispatch } from '../../../../src-main/api/dispatch.js';
import { JobRunner } from '../../../../src-main/jobs/job-runner.js';
import type { PretrainResult } from '../../../../src-main/ml/pretrain/pretrain-job.js';
import { Project } from '../../../../src-main/project/project.js';
import { createPatientSplit } from '../../../../src-main/project/splits.js';
import { makeTempDir } from '../../../fixtures/temp-dir.js';

/** The Inspect endpoints on a tiny pretraining of the demo data: attention, checkpoints, embedding maps. */
describe('inspect endpoints and the embedding job', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let core: AppCore;
  let run: number;
  let images: number;
  let resnetRun: number;

  const call = async <T>(method: string, input: unknown): Promise<T> => {
    const r = await dispatch(core, method, input);
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    return r.result as T;
  };

  beforeAll(async () => {
    temp = makeTempDir();
    const dir = path.join(temp.dir, 'p');
    const p = Project.create(dir);
    const runner = new JobRunner(p);
    expect((await runner.waitFor(runner.start('demo.generate', { patients: 6, eyesPerPatient: 1, visitsPerEye: 1, slicesPerVolume: 5, width: 64, height: 62 }).id)).status).toBe('completed');
    const done = await runner.waitFor(
      runner.start('pretrain', { arch: 'vit_custom', custom: { embedDim: 32, depth: 2, numHeads: 2 }, patch: 8, epochs: 1, batch: 8, outDim: 64, headHiddenDim: 32, headBottleneckDim: 16, globalSize: 32, localSize: 16, localCrops: 1, warmupEpochs: 0, checkpointEvery: 1, backend: 'wasm' }).id,
    );
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    run = (done.result as PretrainResult).runId;
    for (const method of ['pca', 'umap'] as const) {
      const job = await runner.waitFor(runner.start('inspect.embedding', { runId: run, method, backend: 'wasm' }).id);
      expect(job.status, JSON.stringify(job.error)).toBe('completed');
    }
    images = p.db.prepare('SELECT count(*) FROM images').pluck().get() as number;
    createPatientSplit(p.db, { name: 'split', seed: 1, fractions: { train: 0.5, val: 0.25, test: 0.25 } });
    const cnn = await runner.waitFor(
      runner.start('finetune', { arm: 'supervised', arch: 'resnet18', resnetWidths: [4, 8, 8, 16], labelSet: 'Demo biomarkers', backend: 'wasm', downstream: { inputSize: 32, batch: 8, finetuneEpochs: 1, warmupEpochs: 0, patience: 0, bootstrap: 10 } }).id,
    );
    expect(cnn.status, JSON.stringify(cnn.error)).toBe('completed');
    resnetRun = (cnn.result as { runId: number }).runId;
    runner.shutdown();
    p.close();
    core = new AppCore({ appHome: path.join(temp.dir, 'home') });
    await call('projects.open', { dir });
  }, 180_000);
  afterAll(() => {
    core.dispose();
    temp.cleanup();
  });

  it('serves the PCA and UMAP maps of every image with what to colour them by', async () => {
    const set = await call<{ id: number }[]>('labelSets.list', {});
    for (const method of ['pca', 'umap']) {
      const map = await call<{ imageIds: number[]; x: number[]; y: number[]; patient: string[]; labels: { name: string; values: (number | null)[] }[] }>('inspect.embeddingMap', { runId: run, method, labelSetId: set[0]!.id });
      expect(map.imageIds).toHaveLength(images);
      expect(map.x.every(Number.isFinite) && map.y.every(Number.isFinite)).toBe(true);
      expect(new Set(map.x).size).toBeGreaterThan(images / 2); // not collapsed onto a point
      expect(new Set(map.patient).size).toBe(6);
      expect(map.labels.length).toBeGreaterThan(0);
      expect(map.labels[0]!.values.some((v) => v === 1 || v === 0)).toBe(true);
    }
    // With a label set: the latest classifier's test predictions (here the ResNet baseline), the other images unscored.
    const withPredictions = await call<{ imageIds: number[]; predictions: { runId: number; labels: { name: string; threshold: number; values: (number | null)[] }[] } | null }>('inspect.embeddingMap', { runId: run, method: 'pca', labelSetId: set[0]!.id });
    expect(withPredictions.predictions?.runId).toBe(resnetRun);
    const scored = withPredictions.predictions!.labels[0]!.values.filter((v) => v !== null);
    expect(scored.length).toBeGreaterThan(0);
    expect(scored.length).toBeLessThan(images);
    expect(scored.every((v) => v! >= 0 && v! <= 1)).toBe(true);
    expect(await call('inspect.embeddingMap', { runId: run, method: 'umap' })).not.toBeNull();
    expect(await call('inspect.embeddingMap', { runId: 999, method: 'pca' })).toBeNull();
  });

  it('gives attention maps per head for an image, at the end and at a kept checkpoint', async () => {
    const steps = await call<number[]>('inspect.checkpoints', { runId: run });
    expect(steps.length).toBeGreaterThan(0);
    const end = await call<{ heads: number; grid: number[]; maps: number[][]; mean: number[]; model: string }>('inspect.attention', { runId: run, imageId: 1 });
    expect(end).toMatchObject({ heads: 2, grid: [4, 4], model: expect.stringMatching(/final/) });
    const early = await call<{ model: string; mean: number[] }>('inspect.attention', { runId: run, imageId: 1, checkpointStep: steps[0] });
    expect(early.model).toMatch(new RegExp(`step ${steps[0]}`));
    const wrong = await dispatch(core, 'inspect.attention', { runId: run, imageId: 1, checkpointStep: 12345 });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringMatching(/kept steps/) } });
  });

  it('gives Grad-CAM per biomarker for a ResNet classifier, and patch colours for a ViT; each refuses the other backbone', async () => {
    const cam = await call<{ grid: number[]; maps: { target: string; map: number[] }[] }>('inspect.gradCam', { runId: resnetRun, imageId: 1 });
    expect(cam.grid).toEqual([1, 1]);
    expect(cam.maps.map((m) => m.target)).toEqual(['Fluid (IRF)', 'IR HRF', 'DRT/ME', 'Disruption of EZ', 'PED (serous)']);
    expect(cam.maps.every((m) => m.map.every((v) => v >= 0))).toBe(true);
    const colours = await call<{ grid: number[]; images: { imageId: number; rgb: number[] }[] }>('inspect.patchColours', { runId: run, imageIds: [1, 2, 3] });
    expect(colours.grid).toEqual([4, 4]);
    expect(colours.images.map((i) => i.rgb.length)).toEqual([48, 48, 48]);
    expect(await dispatch(core, 'inspect.gradCam', { runId: run, imageId: 1 })).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringMatching(/ViT backbone/) } });
    expect(await dispatch(core, 'inspect.attention', { runId: resnetRun, imageId: 1 })).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringMatching(/attention maps need a ViT/) } });
  });
});

