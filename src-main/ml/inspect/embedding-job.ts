/**
 * The `inspect.embedding` job: every image's DINO feature (the run's teacher, cached) placed on
 * a 2-D map — PCA of the features (fit on a seeded sample of at most 5000 images, applied to all)
 * or UMAP (umap-js; seeded, so the same run gives the same map). Written to the project cache for
 * the Inspect view.
 */
import { UMAP } from 'umap-js';
import { imageFeatures } from '../../annotate/queue/feature-cache.js';
import { writeFileAtomic } from '../../imaging/atomic-write.js';
import type { JobHandler } from '../../jobs/job-context.js';
import { createRng, shuffled } from '../../random/rng.js';
import { loadEngine } from '../engine/index.js';
import { embeddingFiles } from './embedding-store.js';
import type { EmbeddingParams } from './embedding-params.js';
import { fitPca, projectPca } from './pca.js';

const PCA_FIT_ROWS = 5000;

export interface EmbeddingResult {
  runId: number;
  method: string;
  points: number;
  seconds: number;
}

export const embeddingJob: JobHandler<EmbeddingParams, EmbeddingResult> = async (ctx, params) => {
  const started = Date.now();
  const { tf } = await loadEngine(params.backend ? { only: [params.backend] } : {});
  ctx.progress({ fraction: 0.02, message: `DINO features of run ${params.runId}` });
  const table = await imageFeatures(tf, ctx.project, params.runId, { signal: ctx.signal });
  const n = table.imageIds.length;
  const d = table.dim;
  let xy: Float32Array;
  if (params.method === 'pca') {
    ctx.progress({ fraction: 0.5, message: `PCA of ${n} features` });
    const sample = n <= PCA_FIT_ROWS ? null : shuffled(Array.from({ length: n }, (_, i) => i), createRng(params.seed).fork('pca-sample')).slice(0, PCA_FIT_ROWS);
    const fitRows = sample === null ? table.features : Float32Array.from(sample.flatMap((i) => Array.from(table.features.subarray(i * d, (i + 1) * d))));
    xy = projectPca(fitPca(fitRows, d, 2), table.features);
  } else {
    const rows = Array.from({ length: n }, (_, i) => Array.from(table.features.subarray(i * d, (i + 1) * d)));
    const rng = createRng(params.seed).fork('umap');
    const umap = new UMAP({ nComponents: 2, nNeighbors: Math.min(params.neighbours, Math.max(2, n - 1)), minDist: params.minDist, random: () => rng.next() });
    const epochs = umap.initializeFit(rows);
    for (let e = 0; e < epochs; e++) {
      ctx.signal.throwIfAborted();
      umap.step();
      if (e % 10 === 0) ctx.progress({ fraction: 0.5 + (0.48 * e) / epochs, message: `UMAP epoch ${e} of ${epochs}` });
      // Let the worker see a cancel between epochs.
      if (e % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    xy = Float32Array.from(umap.getEmbedding().flat());
  }
  const f = embeddingFiles(ctx.project, params.runId, params.method);
  const put = (file: string, bytes: Uint8Array | string): Promise<void> => writeFileAtomic(file, typeof bytes === 'string' ? Buffer.from(bytes) : bytes);
  await put(f.xy, new Uint8Array(xy.buffer, xy.byteOffset, xy.byteLength));
  await put(f.ids, new Uint8Array(table.imageIds.buffer, table.imageIds.byteOffset, table.imageIds.byteLength));
  await put(f.meta, JSON.stringify({ runId: params.runId, method: params.method, count: n, dim: d, seed: params.seed, ...(params.method === 'umap' ? { neighbours: params.neighbours, minDist: params.minDist } : {}), createdAt: new Date().toISOString() }));
  ctx.progress({ fraction: 1, message: `${params.method.toUpperCase()} map of ${n} images` });
  return { runId: params.runId, method: params.method, points: n, seconds: (Date.now() - started) / 1000 };
};
