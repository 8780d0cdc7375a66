/**
 * `embedImages`: frozen ViT features for a list of images, for `octdino embed` and tools.
 *
 * The model is either a pretraining run's teacher backbone (the network DINO evaluates: its
 * exported `teacher-backbone.safetensors`, else the teacher inside its latest checkpoint) or a
 * safetensors file with reference parameter names plus its architecture. The images are either
 * the project's (their training-cache records) or files, decoded like an import (8-bit
 * rescale, then stretched to the cache size with the cache's filter), so a file and the same
 * file imported into a project give the same feature. Files already at the model's input size
 * are used as they are.
 */
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { decodeImageFile } from '../../imaging/decode.js';
import { toEightBit } from '../../imaging/to-8bit.js';
import { DEFAULT_CACHE_SIZE, TrainingCache } from '../../imaging/training-cache.js';
import type { Project } from '../../project/project.js';
import { RunsRepository } from '../../project/runs.js';
import { OCT_MEAN, OCT_STD } from '../augment/photometric.js';
import { DEFAULT_DINO_CONFIG } from '../dino/config.js';
import { loadEngine, type Tf } from '../engine/index.js';
import { ViT } from '../models/vit.js';
import { backboneConfig, type BackboneSpec } from '../pretrain/dino-model.js';
import type { PretrainRunConfig } from '../pretrain/pretrain-job.js';
import { readSafetensors, type SafetensorsTensor } from '../weights/safetensors.js';
import { loadViTWeights } from '../weights/vit-weights.js';
import { extractFeatures, type Image8 } from './extract.js';

export type EmbedModelSource =
  | { kind: 'run'; project: Project; runId: number }
  | { kind: 'file'; file: string; arch: BackboneSpec['arch']; patch: number; custom?: BackboneSpec['custom'] };

export type EmbedImageSource = { kind: 'project'; project: Project; imageIds: readonly number[] } | { kind: 'files'; files: readonly string[] } | { kind: 'folder'; dir: string };

export interface EmbedOptions {
  /** Engine to compute on; the best available when omitted. */
  tf?: Tf;
  /** Square model input; default the run's global crop size, else the product's (112). */
  inputSize?: number;
  mean?: number;
  std?: number;
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface EmbedResult {
  model: { source: 'run' | 'file'; runId?: number; weights: string; arch: string; patch: number; embedDim: number; depth: number; numHeads: number };
  inputSize: number;
  mean: number;
  std: number;
  dim: number;
  items: { id?: number; file?: string; feature: number[] }[];
  /** Files that could not be decoded (folder/files input), with the reason. */
  failed: { file: string; error: string }[];
}

export class EmbedError extends Error {
  override readonly name = 'EmbedError';
}

const IMAGE_EXTENSIONS = new Set(['.png', '.tif', '.tiff', '.jpg', '.jpeg']);

export async function embedImages(modelSource: EmbedModelSource, images: EmbedImageSource, opts: EmbedOptions = {}): Promise<EmbedResult> {
  const tf = opts.tf ?? (await loadEngine()).tf;
  const loaded = await loadBackbone(tf, modelSource);
  const inputSize = opts.inputSize ?? loaded.inputSize;
  const mean = opts.mean ?? OCT_MEAN;
  const std = opts.std ?? OCT_STD;
  const { vit } = loaded;
  const common = { inputSize, mean, std, ...(opts.batchSize ? { batchSize: opts.batchSize } : {}), ...(opts.onProgress ? { onBatch: opts.onProgress } : {}) };
  const model = {
    ...loaded.describe,
    arch: vit.config.arch,
    patch: vit.config.patchSize,
    embedDim: vit.config.embedDim,
    depth: vit.config.depth,
    numHeads: vit.config.numHeads,
  };
  try {
    if (images.kind === 'project') {
      const rows = images.imageIds.map((id) => {
        const slot = images.project.db.prepare("SELECT cache_offset FROM images WHERE id = ? AND status = 'ok'").pluck().get(id) as number | null | undefined;
        if (slot === undefined || slot === null) throw new EmbedError(`Image ${id} is not in this project's training cache (unknown id, failed import, or not imported yet).`);
        return slot;
      });
      const cache = TrainingCache.open(images.project.path('cache'));
      try {
        const S = cache.size;
        const f = await extractFeatures(tf, vit, rows.length, async (start, end) => {
          const bytes = await cache.readBatch(rows.slice(start, end));
          return Array.from({ length: end - start }, (_, i) => ({ width: S, height: S, data: bytes.subarray(i * S * S, (i + 1) * S * S) }));
        }, common);
        return { model, inputSize, mean, std, dim: f.dim, items: images.imageIds.map((id, i) => ({ id, feature: Array.from(f.features.subarray(i * f.dim, (i + 1) * f.dim)) })), failed: [] };
      } finally {
        await cache.close();
      }
    }
    const files = images.kind === 'files' ? images.files.map((f) => path.resolve(f)) : await listImageFiles(images.dir);
    const failed: EmbedResult['failed'] = [];
    const decoded: { file: string; image: Image8 }[] = [];
    for (const file of files) {
      try {
        decoded.push({ file, image: await prepareFile(file, inputSize) });
      } catch (err) {
        failed.push({ file, error: err instanceof Error ? err.message : String(err) });
      }
    }
    const f = await extractFeatures(tf, vit, decoded.length, async (start, end) => decoded.slice(start, end).map((d) => d.image), common);
    return { model, inputSize, mean, std, dim: f.dim, items: decoded.map((d, i) => ({ file: d.file, feature: Array.from(f.features.subarray(i * f.dim, (i + 1) * f.dim)) })), failed };
  } finally {
    vit.dispose();
  }
}

/** A decoded file as the model will see it: at the input size untouched, else the cache's S × S record. */
async function prepareFile(file: string, inputSize: number): Promise<Image8> {
  const decoded = await decodeImageFile(file);
  const { data } = toEightBit(decoded);
  const { width, height } = decoded;
  if (width === inputSize && height === inputSize) return { width, height, data };
  const S = DEFAULT_CACHE_SIZE;
  if (width === S && height === S) return { width, height, data };
  // The same stretch and filter as `TrainingCache.resize` (lanczos3, fit: fill), so that a file
  // embeds exactly as its imported copy does.
  const record = await sharp(data, { raw: { width, height, channels: 1 } }).resize(S, S, { fit: 'fill', kernel: 'lanczos3' }).toColourspace('b-w').raw().toBuffer();
  return { width: S, height: S, data: new Uint8Array(record.buffer, record.byteOffset, record.length) };
}

/** Image files under `dir` (recursively), in natural order (`10.png` after `9.png`). */
async function listImageFiles(dir: string): Promise<string[]> {
  const root = path.resolve(dir);
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile() && IMAGE_EXTENSIONS.has(path.extname(e.name).toLowerCase())).map((e) => path.join(e.parentPath, e.name));
  const collator = new Intl.Collator('en', { numeric: true });
  return files.sort((a, b) => collator.compare(a, b));
}

async function loadBackbone(tf: Tf, source: EmbedModelSource): Promise<{ vit: ViT; inputSize: number; describe: { source: 'run' | 'file'; runId?: number; weights: string } }> {
  if (source.kind === 'file') {
    const { tensors, metadata } = readSafetensors(await readFile(source.file));
    const custom = source.custom ?? (source.arch === 'vit_custom' ? customFromMetadata(metadata, source.file) : undefined);
    const vit = buildVit(tf, { arch: source.arch, patch: source.patch, ...(custom ? { custom } : {}) }, tensors);
    return { vit, inputSize: DEFAULT_DINO_CONFIG.globalCropSize, describe: { source: 'file', weights: path.resolve(source.file) } };
  }
  const { project, runId } = source;
  const run = new RunsRepository(project.db).get(runId);
  if (!run || run.kind !== 'pretrain') throw new EmbedError(`No pretraining run ${runId} in this project.`);
  const config = run.config as PretrainRunConfig;
  const exported = project.path('checkpoints', `run-${runId}`, 'teacher-backbone.safetensors');
  let file = exported;
  let tensors: ReadonlyMap<string, SafetensorsTensor>;
  if (existsSync(exported)) {
    tensors = readSafetensors(await readFile(exported)).tensors;
  } else {
    const latest = new RunsRepository(project.db).latestCheckpoint(runId);
    if (!latest) throw new EmbedError(`Run ${runId} has no checkpoint yet: train at least until its first checkpoint.`);
    file = path.join(project.dir, latest.relPath);
    // The teacher is what DINO evaluates; its backbone sits under `teacher.backbone.` in a checkpoint.
    const prefix = 'teacher.backbone.';
    const all = readSafetensors(await readFile(file)).tensors;
    tensors = new Map([...all].filter(([name]) => name.startsWith(prefix)).map(([name, t]) => [name.slice(prefix.length), t]));
  }
  const vit = buildVit(tf, config.backbone, tensors);
  return { vit, inputSize: config.dino.globalCropSize, describe: { source: 'run', runId, weights: file } };
}

function buildVit(tf: Tf, spec: BackboneSpec, tensors: ReadonlyMap<string, SafetensorsTensor>): ViT {
  if (spec.arch === 'resnet18') throw new EmbedError('embedImages supports ViT backbones only (this model is a resnet18).');
  const vit = new ViT(tf, backboneConfig(spec, 0, 0));
  try {
    loadViTWeights(vit, tensors);
    return vit;
  } catch (err) {
    vit.dispose();
    throw err;
  }
}

function customFromMetadata(metadata: Record<string, string>, file: string): BackboneSpec['custom'] {
  const embedDim = Number(metadata.embed_dim);
  const depth = Number(metadata.depth);
  const numHeads = Number(metadata.num_heads);
  if (![embedDim, depth, numHeads].every((v) => Number.isInteger(v) && v > 0)) {
    throw new EmbedError(`${file} does not say its size (embed_dim, depth, num_heads metadata): pass custom { embedDim, depth, numHeads } with arch vit_custom.`);
  }
  return { embedDim, depth, numHeads };
}
