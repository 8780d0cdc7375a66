/**
 * Per-image intensity augmentations for 1-channel OCT on [0, 1] intensities, batched with one
 * factor per image ([n, 1, 1, 1] tensors). Reference: torchvision `ColorJitter(brightness=0.4,
 * contrast=0.4, …)` applied with p 0.8, `utils.Solarization(0.2)` on the second global view,
 * `Normalize`. Saturation, hue and RandomGrayscale are no-ops on grayscale and are left out.
 * Speckle noise is OCT-specific (see `speckle`).
 */
import type { Tensor, Tensor4D } from '@tensorflow/tfjs';
import type { Tf } from '../engine/index.js';

/** Mean and std of OLIVES B-scans on [0, 1] (DOMAIN.md), used instead of ImageNet's. */
export const OCT_MEAN = 0.1706;
export const OCT_STD = 0.2112;

export interface JitterParams {
  /** Brightness factor per image (1 = unchanged); torchvision draws U(0.6, 1.4). */
  brightness: readonly number[];
  /** Contrast factor per image (1 = unchanged). */
  contrast: readonly number[];
  /** Per image: true applies contrast before brightness (ColorJitter shuffles the order). */
  contrastFirst: readonly boolean[];
}

const perImage = (tf: Tf, values: readonly number[]): Tensor => tf.tensor4d(Float32Array.from(values), [values.length, 1, 1, 1]);

/**
 * ColorJitter on grayscale: brightness x·b; contrast c·x + (1 − c)·mean(x) with the image's own
 * mean; each result clamped to [0, 1] as torchvision does. Both orders are computed and selected
 * per image, which keeps the batch one set of element-wise ops.
 */
export function colorJitter(tf: Tf, x: Tensor4D, p: JitterParams): Tensor4D {
  return tf.tidy(() => {
    const b = perImage(tf, p.brightness);
    const c = perImage(tf, p.contrast);
    const bright = (t: Tensor) => tf.clipByValue(tf.mul(t, b), 0, 1);
    const contrast = (t: Tensor) => tf.clipByValue(tf.add(tf.mul(t, c), tf.mul(tf.mean(t, [1, 2, 3], true), tf.sub(1, c))), 0, 1);
    const bThenC = contrast(bright(x));
    if (!p.contrastFirst.some(Boolean)) return bThenC as Tensor4D;
    const cThenB = bright(contrast(x));
    const first = perImage(tf, p.contrastFirst.map((f) => (f ? 1 : 0)));
    return tf.where(tf.cast(tf.broadcastTo(first, x.shape), 'bool'), cThenB, bThenC) as Tensor4D;
  });
}

/** PIL `ImageOps.solarize` (threshold 128 of 255) on the images where `apply[i]`. */
export function solarize(tf: Tf, x: Tensor4D, apply: readonly boolean[]): Tensor4D {
  if (!apply.some(Boolean)) return tf.clone(x);
  return tf.tidy(() => {
    const mask = tf.logicalAnd(tf.greaterEqual(x, 128 / 255), tf.cast(tf.broadcastTo(perImage(tf, apply.map(Number)), x.shape), 'bool'));
    return tf.where(mask, tf.sub(1, x), x) as Tensor4D;
  });
}

/**
 * Multiplicative speckle, x·(1 + σ·n) with n ~ N(0, 1) per pixel, clamped to [0, 1]; σ per image
 * (0 = none). Why for OCT: speckle comes from coherent interference, its amplitude scales with the
 * local reflectivity (multiplicative), and two B-scans of the same tissue carry different
 * realisations. A fresh realisation per view tells the network that speckle is not content, so it
 * learns the layer structure instead of the grain. `seed` makes it reproducible.
 */
export function speckle(tf: Tf, x: Tensor4D, sigmas: readonly number[], seed: number): Tensor4D {
  if (!sigmas.some((s) => s > 0)) return tf.clone(x);
  return tf.tidy(() => {
    const noise = tf.randomNormal(x.shape, 0, 1, 'float32', seed);
    return tf.clipByValue(tf.mul(x, tf.add(1, tf.mul(noise, perImage(tf, sigmas)))), 0, 1) as Tensor4D;
  });
}

/** (x − mean) / std with the OCT statistics. */
export function normalizeOct(tf: Tf, x: Tensor4D, mean = OCT_MEAN, std = OCT_STD): Tensor4D {
  return tf.tidy(() => tf.div(tf.sub(x, mean), std) as Tensor4D);
}
