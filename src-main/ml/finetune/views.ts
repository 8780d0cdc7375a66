/**
 * The images a downstream model sees. Training: a random resized crop of a large share of the
 * B-scan (so a lesion rarely leaves the view — its label would then be wrong), a horizontal flip
 * and a mild brightness/contrast jitter; no vertical flip (the layer order is anatomy).
 * Evaluation: the whole scan resampled to the input size, as `embed/extract.ts` does for
 * features. Both from training-cache records, as batched tensor ops, reproducible from the rng.
 */
import type { Tensor4D } from '@tensorflow/tfjs';
import type { Tf } from '../engine/index.js';
import type { Rng } from '../../random/rng.js';
import { colorJitter, normalizeOct } from '../augment/photometric.js';
import { cropBox, sampleResizedCrop } from '../augment/resized-crop.js';

export interface TrainViewOptions {
  inputSize: number;
  cropScale: readonly [number, number];
  flipP?: number;
  jitterP?: number;
  /** Factors drawn from U(1 − s, 1 + s). */
  jitterStrength?: number;
}

function recordsTensor(tf: Tf, records: Uint8Array, size: number): Tensor4D {
  const b = records.length / (size * size);
  if (!Number.isInteger(b) || b < 1) throw new Error(`${records.length} bytes are not a whole number of ${size}×${size} records`);
  const f = new Float32Array(records.length);
  for (let i = 0; i < records.length; i++) f[i] = records[i]! / 255;
  return tf.tensor4d(f, [b, size, size, 1]);
}

/** Augmented, normalised training views [B, S, S, 1] of cache records of side `size`. */
export function trainViews(tf: Tf, records: Uint8Array, size: number, rng: Rng, opts: TrainViewOptions): Tensor4D {
  const b = records.length / (size * size);
  const boxes: number[][] = [];
  const brightness: number[] = [];
  const contrast: number[] = [];
  const contrastFirst: boolean[] = [];
  const s = opts.jitterStrength ?? 0.2;
  for (let i = 0; i < b; i++) {
    const win = sampleResizedCrop(rng, size, size, opts.cropScale);
    boxes.push(cropBox(win, size, size, opts.inputSize, rng.chance(opts.flipP ?? 0.5)));
    const jitter = rng.chance(opts.jitterP ?? 0.8);
    const bf = rng.range(1 - s, 1 + s);
    const cf = rng.range(1 - s, 1 + s);
    const order = rng.chance(0.5);
    brightness.push(jitter ? bf : 1);
    contrast.push(jitter ? cf : 1);
    contrastFirst.push(jitter && order);
  }
  return tf.tidy(() => {
    const source = recordsTensor(tf, records, size);
    const ind = tf.tensor1d(Array.from({ length: b }, (_, i) => i), 'int32');
    let x = tf.image.cropAndResize(source, tf.tensor2d(boxes, [b, 4]), ind, [opts.inputSize, opts.inputSize], 'bilinear') as Tensor4D;
    x = colorJitter(tf, x, { brightness, contrast, contrastFirst });
    return normalizeOct(tf, x);
  });
}

/** Whole-scan, normalised evaluation views [B, S, S, 1]. */
export function evalViews(tf: Tf, records: Uint8Array, size: number, inputSize: number): Tensor4D {
  return tf.tidy(() => {
    const source = recordsTensor(tf, records, size);
    if (inputSize === size) return normalizeOct(tf, source);
    const b = source.shape[0];
    const box = cropBox({ top: 0, left: 0, height: size, width: size }, size, size, inputSize, false);
    const x = tf.image.cropAndResize(source, tf.tensor2d(Array.from({ length: b }, () => box), [b, 4]), tf.tensor1d(Array.from({ length: b }, (_, i) => i), 'int32'), [inputSize, inputSize], 'bilinear') as Tensor4D;
    return normalizeOct(tf, x);
  });
}
