/**
 * `embedImages` on a tiny ViT exported with `exportViTWeights`: a folder of image files embeds
 * exactly as the same files imported into a project (same decode, same cache resize), images
 * at the model's input size are used as they are, and no tensor outlives a call.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRunner } from '../../../../src-main/jobs/job-runner.js';
import { embedImages } from '../../../../src-main/ml/embed/embed.js';
import { embedBatch } from '../../../../src-main/ml/embed/extract.js';
import { loadEngine, type Tf } from '../../../../src-main/ml/engine/index.js';
import { customViTConfig } from '../../../../src-main/ml/models/vit-config.js';
import { ViT } from '../../../../src-main/ml/models/vit.js';
import { exportViTWeights } from '../../../../src-main/ml/weights/vit-weights.js';
import { Project } from '../../../../src-main/project/project.js';
import { makeTempDir } from '../../../fixtures/temp-dir.js';

const SIZE = { embedDim: 32, depth: 2, numHeads: 2, patchSize: 8 };

describe('embedImages (tiny ViT, cpu backend)', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let project: Project;
  let tf: Tf;
  let vit: ViT;
  let weights: string;

  beforeAll(async () => {
    temp = makeTempDir();
    project = Project.create(path.join(temp.dir, 'p'));
    const runner = new JobRunner(project);
    const demo = await runner.waitFor(runner.start('demo.generate', { patients: 2, eyesPerPatient: 1, visitsPerEye: 1, slicesPerVolume: 3, width: 64, height: 62 }).id);
    runner.shutdown();
    expect(demo.status).toBe('completed');
    tf = (await loadEngine({ only: ['cpu'], env: {} })).tf;
    vit = new ViT(tf, customViTConfig({ ...SIZE, seed: 3 }));
    weights = path.join(temp.dir, 'backbone.safetensors');
    writeFileSync(weights, exportViTWeights(vit));
  }, 60_000);
  afterAll(() => {
    vit.dispose();
    project.close();
    temp.cleanup();
  });

  const model = () => ({ kind: 'file' as const, file: weights, arch: 'vit_custom' as const, patch: 8 });

  it('embeds a folder of files exactly as the same files imported into the project', async () => {
    const before = tf.memory().numTensors;
    const folder = await embedImages(model(), { kind: 'folder', dir: path.join(project.dir, 'demo-data') }, { tf, inputSize: 32 });
    expect(tf.memory().numTensors).toBe(before);
    expect(folder.items).toHaveLength(6);
    expect(folder).toMatchObject({ inputSize: 32, mean: 0.1706, std: 0.2112, dim: 32, failed: [], model: { source: 'file', arch: 'custom', patch: 8, embedDim: 32, depth: 2, numHeads: 2 } });
    const rows = project.db.prepare('SELECT id, rel_path AS rel FROM images ORDER BY id').all() as { id: number; rel: string }[];
    const fromProject = await embedImages(model(), { kind: 'project', project, imageIds: rows.map((r) => r.id) }, { tf, inputSize: 32 });
    for (const [i, row] of rows.entries()) {
      const file = folder.items.find((it) => it.file === path.join(project.dir, 'demo-data', ...row.rel.split('/')));
      expect(file, row.rel).toBeDefined();
      expect(fromProject.items[i]!.id).toBe(row.id);
      file!.feature.forEach((v, k) => expect(v).toBeCloseTo(fromProject.items[i]!.feature[k]!, 4));
    }
    // Mean and std are honoured.
    const other = await embedImages(model(), { kind: 'project', project, imageIds: [rows[0]!.id] }, { tf, inputSize: 32, mean: 0.5, std: 0.25 });
    expect(other.items[0]!.feature).not.toEqual(fromProject.items[0]!.feature);
  });

  it('does not resize images already at the input size, and reports files it cannot decode', async () => {
    const dir = path.join(temp.dir, 'small');
    mkdirSync(dir, { recursive: true });
    const pixels = Uint8Array.from({ length: 32 * 32 }, (_, i) => (i * 37) % 251);
    await sharp(pixels, { raw: { width: 32, height: 32, channels: 1 } }).png().toFile(path.join(dir, 'a.png'));
    writeFileSync(path.join(dir, 'broken.png'), 'not a png');
    const r = await embedImages(model(), { kind: 'folder', dir }, { tf, inputSize: 32 });
    expect(r.items.map((it) => path.basename(it.file!))).toEqual(['a.png']);
    expect(r.failed).toHaveLength(1);
    expect(r.failed[0]!.file).toMatch(/broken\.png$/);
    const direct = await embedBatch(tf, vit, [{ width: 32, height: 32, data: pixels }], { inputSize: 32 });
    r.items[0]!.feature.forEach((v, k) => expect(v).toBeCloseTo(direct[k]!, 5));
  });
});
