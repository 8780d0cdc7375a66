/**
 * Frozen features of images: each 8-bit B-scan is resampled to the model's input size, scaled
 * to [0, 1] and normalised with the OCT mean/std (DOMAIN.md), then passed through a backbone in
 * evaluation mode (no drop-path); for a ViT the feature is the [CLS] token after the final norm,
 * as the reference evaluates (`eval_knn.py`: `model(samples)` of a `num_classes=0` ViT).
 *
 * Resampling is the one the training views use: `cropAndResize` (bilinear, half-pixel centres)
 * of the whole record, i.e. a global crop that covers the image without flip or jitter, so the
 * features describe images the way the network saw them in training. Images already at the
 * input size are not resampled.
 */
import type { Tensor4D } from '@tensorflow/tfjs';
import type { TrainingCache } from '../../imaging/training-cache.js';
import { cropBox } from '../augment/resized-crop.js';
import { OCT_MEAN, OCT_STD } from '../augment/photometric.js';
import type { Backbone } from '../models/backbone.js';
import type { Tf } from '../engine/index.js';

export interface Image8 {
  readonly width: number;
  readonly height: number;
  /** width × height 8-bit grayscale samples, row-major. */
  readonly data: Uint8Array;
}

export interface ExtractOptions {
  /** Side of the square model input, e.g. the run's global crop size. */
  inputSize: number;
  /** Normalisation on [0, 1] intensities; OLIVES' 0.1706 / 0.2112 by default. */
  mean?: number;
  std?: number;
  /** Images per forward pass; memory grows linearly with it. Default 64. */
  batchSize?: number;
}

export interface Features {
  /** [count · dim], row i = image i. */
  features: Float32Array;
  dim: number;
  count: number;
  /** The square input size the images were resampled to. */
  inputSize: number;
}

/** Normalised model input [B, S, S, 1] for images of any size (each resampled unless already S × S). */
export function imagesToInput(tf: Tf, images: readonly Image8[], opts: Pick<ExtractOptions, 'inputSize' | 'mean' | 'std'>): Tensor4D {
  const S = opts.inputSize;
  const mean = opts.mean ?? OCT_MEAN;
  const std = opts.std ?? OCT_STD;
  if (!(std > 0)) throw new RangeError(`std must be > 0, got ${std}`);
  return tf.tidy(() => {
    const views = images.map((img) => {
      if (img.data.length !== img.width * img.height) throw new RangeError(`image of ${img.width} x ${img.height} has ${img.data.length} samples`);
      const x = tf.tensor4d(Float32Array.from(img.data, (v) => v / 255), [1, img.height, img.width, 1]);
      if (img.width === S && img.height === S) return x;
      const box = cropBox({ top: 0, left: 0, height: img.height, width: img.width }, img.height, img.width, S, false);
      return tf.image.cropAndResize(x, tf.tensor2d([box], [1, 4]), tf.tensor1d([0], 'int32'), [S, S], 'bilinear') as Tensor4D;
    });
    const batch = views.length === 1 ? views[0]! : (tf.concat(views, 0) as Tensor4D);
    return tf.div(tf.sub(batch, mean), std) as Tensor4D;
  });
}

/** Features of a few images in one forward pass (evaluation mode); no tensor outlives the call. */
export async function embedBatch(tf: Tf, backbone: Backbone, images: readonly Image8[], opts: Pick<ExtractOptions, 'inputSize' | 'mean' | 'std'>): Promise<Float32Array> {
  if (images.length === 0) return new Float32Array(0);
  const features = tf.tidy(() => backbone.apply(imagesToInput(tf, images, opts), { training: false, evaluation: true }));
  try {
    return (await features.data()) as Float32Array;
  } finally {
    features.dispose();
  }
}

/** Features of any list of images, `batchSize` at a time; `images(start, end)` supplies each batch. */
export async function extractFeatures(
  tf: Tf,
  backbone: Backbone,
  count: number,
  images: (start: number, end: number) => Promise<readonly Image8[]>,
  opts: ExtractOptions & { onBatch?: (done: number, total: number) => void; signal?: AbortSignal },
): Promise<Features> {
  const dim = backbone.outDim;
  const batchSize = opts.batchSize ?? 64;
  const out = new Float32Array(count * dim);
  for (let start = 0; start < count; start += batchSize) {
    opts.signal?.throwIfAborted();
    const end = Math.min(count, start + batchSize);
    const batch = await images(start, end);
    if (batch.length !== end - start) throw new Error(`expected ${end - start} images for ${start}..${end}, got ${batch.length}`);
    out.set(await embedBatch(tf, backbone, batch, opts), start * dim);
    opts.onBatch?.(end, count);
  }
  return { features: out, dim, count, inputSize: opts.inputSize };
}

/** Features of training-cache records (S × S each), in the order of `slots`. */
export async function extractCacheFeatures(
  tf: Tf,
  backbone: Backbone,
  cache: TrainingCache,
  slots: readonly number[],
  opts: ExtractOptions & { signal?: AbortSignal },
): Promise<Features> {
  const S = cache.size;
  return extractFeatures(
    tf,
    backbone,
    slots.length,
    async (start, end) => {
      const bytes = await cache.readBatch(slots.slice(start, end));
      return Array.from({ length: end - start }, (_, i) => ({ width: S, height: S, data: bytes.subarray(i * S * S, (i + 1) * S * S) }));
    },
    opts,
  );
}
