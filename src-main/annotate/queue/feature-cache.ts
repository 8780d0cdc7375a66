/**
 * DINO features of every image, from one pretraining run's teacher, computed once and kept in
 * the project's cache (`cache/features/run-<id>.f32` + `.ids` + `.json`): the cold-start
 * strategies of the labelling queue read them instead of running the network again. Images
 * imported after the features were computed are added on the next call.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../imaging/atomic-write.js';
import { TrainingCache } from '../../imaging/training-cache.js';
import { extractCacheFeatures } from '../../ml/embed/extract.js';
import type { Tf } from '../../ml/engine/index.js';
import { buildBackbone, teacherWeightsFile } from '../../ml/finetune/arm-job.js';
import type { PretrainRunConfig } from '../../ml/pretrain/pretrain-job.js';
import { readSafetensors } from '../../ml/weights/safetensors.js';
import type { Project } from '../../project/project.js';
import { RunsRepository } from '../../project/runs.js';
import { loadBackboneWeights } from '../../ml/weights/any-backbone.js';

export interface FeatureTable {
  runId: number;
  dim: number;
  inputSize: number;
  imageIds: Int32Array;
  /** imageIds.length × dim. */
  features: Float32Array;
}

function files(project: Project, runId: number): { data: string; ids: string; meta: string } {
  const base = path.join(project.path('cache'), 'features', `run-${runId}`);
  return { data: `${base}.f32`, ids: `${base}.ids`, meta: `${base}.json` };
}

async function readTable(project: Project, runId: number): Promise<FeatureTable | null> {
  const f = files(project, runId);
  if (!existsSync(f.meta) || !existsSync(f.data) || !existsSync(f.ids)) return null;
  const meta = JSON.parse(await readFile(f.meta, 'utf8')) as { dim: number; inputSize: number; count: number };
  const ids = await readFile(f.ids);
  const data = await readFile(f.data);
  if (ids.byteLength !== meta.count * 4 || data.byteLength !== meta.count * meta.dim * 4) return null; // torn write: recompute
  return {
    runId,
    dim: meta.dim,
    inputSize: meta.inputSize,
    imageIds: new Int32Array(ids.buffer, ids.byteOffset, meta.count).slice(),
    features: new Float32Array(data.buffer, data.byteOffset, meta.count * meta.dim).slice(),
  };
}

async function writeTable(project: Project, t: FeatureTable): Promise<void> {
  const f = files(project, t.runId);
  const put = (file: string, bytes: Uint8Array | string): Promise<void> => writeFileAtomic(file, typeof bytes === 'string' ? Buffer.from(bytes) : bytes);
  await put(f.data, new Uint8Array(t.features.buffer, t.features.byteOffset, t.features.byteLength));
  await put(f.ids, new Uint8Array(t.imageIds.buffer, t.imageIds.byteOffset, t.imageIds.byteLength));
  // The metadata goes last: it is what makes the other two count.
  await put(f.meta, JSON.stringify({ runId: t.runId, dim: t.dim, inputSize: t.inputSize, count: t.imageIds.length }));
}

/** The features of every usable image (computing those not cached yet). */
export async function imageFeatures(
  tf: Tf,
  project: Project,
  runId: number,
  opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<FeatureTable> {
  const run = new RunsRepository(project.db).get(runId);
  if (!run || run.kind !== 'pretrain' || run.status !== 'completed') throw new Error(`Run ${runId} is not a completed pretraining run.`);
  const config = run.config as PretrainRunConfig;
  const inputSize = config.dino.globalCropSize;
  const images = project.db.prepare("SELECT id, cache_offset AS slot FROM images WHERE status = 'ok' AND cache_offset IS NOT NULL ORDER BY id").all() as { id: number; slot: number }[];
  const cached = await readTable(project, runId);
  const have = new Map<number, number>();
  cached?.imageIds.forEach((id, row) => have.set(id, row));
  const missing = images.filter((im) => !have.has(im.id));
  let table = cached;
  if (!table || missing.length > 0) {
    const backbone = buildBackbone(tf, config.backbone, run.seed);
    const cache = TrainingCache.open(project.path('cache'));
    try {
      const { tensors } = readSafetensors(await readFile(teacherWeightsFile(project.dir, runId)));
      loadBackboneWeights(backbone, tensors);
      const fresh = await extractCacheFeatures(tf, backbone, cache, missing.map((m) => m.slot), {
        inputSize,
        batchSize: 32,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      const dim = backbone.outDim;
      const old = table?.imageIds.length ?? 0;
      const features = new Float32Array((old + missing.length) * dim);
      if (table) features.set(table.features);
      features.set(fresh.features, old * dim);
      const imageIds = new Int32Array(old + missing.length);
      if (table) imageIds.set(table.imageIds);
      missing.forEach((m, i) => (imageIds[old + i] = m.id));
      table = { runId, dim, inputSize, imageIds, features };
      await writeTable(project, table);
    } finally {
      backbone.dispose();
      await cache.close();
    }
  }
  opts.onProgress?.(images.length, images.length);
  // Rows of the images that exist now, in id order.
  const rowOf = new Map<number, number>();
  table.imageIds.forEach((id, row) => rowOf.set(id, row));
  const out = new Float32Array(images.length * table.dim);
  images.forEach((im, i) => {
    const row = rowOf.get(im.id)!;
    out.set(table.features.subarray(row * table.dim, (row + 1) * table.dim), i * table.dim);
  });
  return { runId, dim: table.dim, inputSize, imageIds: Int32Array.from(images, (im) => im.id), features: out };
}
