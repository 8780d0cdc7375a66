/**
 * A downstream classifier's state in one safetensors file: backbone parameters (reference
 * names, prefix `backbone.`), ResNet BatchNorm buffers (`buffers.`), the head (`head.weight`,
 * `head.bias`), optionally the optimizer (`optimizer.`), and the training position in the
 * metadata. Used for per-epoch resumable checkpoints and for the best model of a run. Written
 * to a temporary file and renamed, so a kill never leaves half a file.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Variable } from '@tensorflow/tfjs';
import type { Tf } from '../engine/index.js';
import { ResNet } from '../models/resnet.js';
import type { Backbone } from '../models/backbone.js';
import type { AdamW } from '../optim/adamw.js';
import { readSafetensors, writeSafetensors, type WritableTensor } from '../weights/safetensors.js';
import type { LinearHead } from './linear-head.js';

export const CLASSIFIER_FORMAT = 'octdino-classifier/1';

export interface ClassifierParts {
  backbone: Backbone | null;
  head: LinearHead;
  optimizer?: AdamW;
}

export class ClassifierStateError extends Error {
  override readonly name = 'ClassifierStateError';
}

export async function saveClassifierState(parts: ClassifierParts, file: string, metadata: Record<string, string>): Promise<number> {
  const tensors: [string, WritableTensor][] = [];
  let meta: Record<string, string> = { format: CLASSIFIER_FORMAT, ...metadata };
  const add = async (prefix: string, vars: ReadonlyMap<string, Variable>): Promise<void> => {
    for (const [name, v] of vars) tensors.push([`${prefix}${name}`, { shape: v.shape, data: (await v.data()) as Float32Array }]);
  };
  if (parts.backbone) await add('backbone.', parts.backbone.variables);
  if (parts.backbone instanceof ResNet) {
    await add('buffers.', parts.backbone.buffers);
    meta = { ...meta, batchesTracked: JSON.stringify(Object.fromEntries(parts.backbone.batchesTracked)) };
  }
  await add('', parts.head.variables);
  if (parts.optimizer) for (const [name, data] of Object.entries(await parts.optimizer.state())) tensors.push([`optimizer.${name}`, { shape: [data.length], data }]);
  const bytes = writeSafetensors(tensors, meta);
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, file);
  return bytes.byteLength;
}

/** Restores into freshly built parts of the same shapes; returns the file's metadata. */
export async function loadClassifierState(tf: Tf, parts: ClassifierParts, file: string): Promise<Record<string, string>> {
  const { tensors, metadata } = readSafetensors(await readFile(file));
  if (metadata.format !== CLASSIFIER_FORMAT) throw new ClassifierStateError(`${file} is not a classifier checkpoint (format "${metadata.format ?? 'none'}").`);
  const assign = (prefix: string, vars: ReadonlyMap<string, Variable>): void => {
    for (const [name, v] of vars) {
      const saved = tensors.get(`${prefix}${name}`);
      if (!saved || saved.shape.join('x') !== v.shape.join('x')) {
        throw new ClassifierStateError(`${file} does not match this model: ${prefix}${name} is ${saved ? `[${saved.shape.join(', ')}]` : 'missing'}, expected [${v.shape.join(', ')}].`);
      }
      const value = tf.tensor(saved.data as Float32Array, v.shape, 'float32');
      v.assign(value);
      value.dispose();
    }
  };
  if (parts.backbone) assign('backbone.', parts.backbone.variables);
  if (parts.backbone instanceof ResNet) {
    assign('buffers.', parts.backbone.buffers);
    for (const [name, count] of Object.entries(JSON.parse(metadata.batchesTracked ?? '{}') as Record<string, number>)) parts.backbone.batchesTracked.set(name, count);
  }
  assign('', parts.head.variables);
  if (parts.optimizer) {
    const state: Record<string, Float32Array> = {};
    for (const [name, t] of tensors) if (name.startsWith('optimizer.')) state[name.slice('optimizer.'.length)] = t.data as Float32Array;
    parts.optimizer.loadState(state);
  }
  return metadata;
}

/**
 * The backbone's tensors of a classifier file under their reference names (parameters from
 * `backbone.`, ResNet running statistics from `buffers.`), e.g. to load it as a plain backbone
 * or export it as weights.
 */
export function classifierBackboneTensors<T>(tensors: ReadonlyMap<string, T>): Map<string, T> {
  const out = new Map<string, T>();
  for (const [name, t] of tensors) {
    if (name.startsWith('backbone.')) out.set(name.slice('backbone.'.length), t);
    else if (name.startsWith('buffers.')) out.set(name.slice('buffers.'.length), t);
  }
  return out;
}
