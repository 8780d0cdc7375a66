/**
 * Resumable training state in one safetensors file: student and teacher weights (their
 * reference names), the optimizer's moments and step counts, the loss centre, and where the
 * run was (global step, epoch) — everything a resumed run needs to continue exactly as if it
 * had not stopped. Randomness needs no saving: data order, crops and drop-path are functions
 * of (seed, step). Written to a temporary file and renamed, so a kill never leaves half a
 * checkpoint.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Variable } from '@tensorflow/tfjs';
import type { Tf } from '../engine/index.js';
import { networkVariables } from '../dino/multi-crop-wrapper.js';
import { ResNet } from '../models/resnet.js';
import { readSafetensors, writeSafetensors, type WritableTensor } from '../weights/safetensors.js';
import type { DinoModel } from './dino-model.js';

export const CHECKPOINT_FORMAT = 'octdino-dino-checkpoint/1';

export interface TrainingPosition {
  /** The next global step to run. */
  step: number;
  epoch: number;
}

export async function saveCheckpoint(model: DinoModel, position: TrainingPosition, file: string, extraMetadata: Record<string, string> = {}): Promise<number> {
  let metadata = extraMetadata;
  const tensors: [string, WritableTensor][] = [];
  const add = async (prefix: string, vars: ReadonlyMap<string, Variable>): Promise<void> => {
    for (const [name, v] of vars) tensors.push([`${prefix}${name}`, { shape: v.shape, data: (await v.data()) as Float32Array }]);
  };
  await add('student.', networkVariables(model.student));
  await add('teacher.', networkVariables(model.teacher));
  // BatchNorm running statistics (ResNet) are state too, though not trained by the optimizer.
  for (const [role, net] of [['student', model.student], ['teacher', model.teacher]] as const) {
    if (net.backbone instanceof ResNet) {
      await add(`${role}.buffers.`, net.backbone.buffers);
      metadata = { ...metadata, [`${role}.batchesTracked`]: JSON.stringify(Object.fromEntries(net.backbone.batchesTracked)) };
    }
  }
  tensors.push(['loss.center', { shape: model.parts.loss.center.shape, data: (await model.parts.loss.center.data()) as Float32Array }]);
  for (const [name, data] of Object.entries(await model.parts.optimizer.state())) tensors.push([`optimizer.${name}`, { shape: [data.length], data }]);
  const bytes = writeSafetensors(tensors, { format: CHECKPOINT_FORMAT, step: String(position.step), epoch: String(position.epoch), ...metadata });
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, file);
  return bytes.byteLength;
}

export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
}

/** Restores a checkpoint into a freshly built model of the same config; returns where to go on. */
export async function loadCheckpoint(tf: Tf, model: DinoModel, file: string): Promise<TrainingPosition> {
  const { tensors, metadata } = readSafetensors(await readFile(file));
  if (metadata.format !== CHECKPOINT_FORMAT) throw new CheckpointError(`${file} is not a DINO training checkpoint (format "${metadata.format ?? 'none'}").`);
  const assign = (prefix: string, vars: ReadonlyMap<string, Variable>): void => {
    for (const [name, v] of vars) {
      const saved = tensors.get(`${prefix}${name}`);
      if (!saved || saved.shape.join('x') !== v.shape.join('x')) {
        throw new CheckpointError(`${file} does not match this model: ${prefix}${name} is ${saved ? `[${saved.shape.join(', ')}]` : 'missing'}, expected [${v.shape.join(', ')}].`);
      }
      const value = tf.tensor(saved.data as Float32Array, v.shape, 'float32');
      v.assign(value);
      value.dispose();
    }
  };
  assign('student.', networkVariables(model.student));
  assign('teacher.', networkVariables(model.teacher));
  assign('loss.', new Map([['center', model.parts.loss.center]]));
  for (const [role, net] of [['student', model.student], ['teacher', model.teacher]] as const) {
    if (!(net.backbone instanceof ResNet)) continue;
    assign(`${role}.buffers.`, net.backbone.buffers);
    const tracked = JSON.parse(metadata[`${role}.batchesTracked`] ?? '{}') as Record<string, number>;
    for (const [name, count] of Object.entries(tracked)) net.backbone.batchesTracked.set(name, count);
  }
  const optimizerState: Record<string, Float32Array> = {};
  for (const [name, t] of tensors) if (name.startsWith('optimizer.')) optimizerState[name.slice('optimizer.'.length)] = t.data as Float32Array;
  model.parts.optimizer.loadState(optimizerState);
  return { step: Number(metadata.step), epoch: Number(metadata.epoch) };
}
