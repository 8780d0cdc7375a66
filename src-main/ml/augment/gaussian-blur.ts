/**
 * Gaussian blur with a different sigma per image (reference `utils.GaussianBlur`: PIL blur with
 * radius uniform in [0.1, 2], applied with p 1.0 / 0.1 / 0.5 to global 1 / global 2 / locals).
 *
 * Batched as one separable depthwise convolution: the batch is moved into the channel axis
 * ([n,H,W,1] → [1,H,W,n]) so each image gets its own kernel; an image left unblurred gets the
 * identity kernel. Forward only (augmentation needs no gradient), so wasm's missing depthwise
 * backprop does not matter. Edges are reflected, not zero-padded, so borders do not darken.
 */
import type { Tensor4D } from '@tensorflow/tfjs';
import type { Tf } from '../engine/index.js';

/** Normalised 1-D Gaussian taps for offsets −radius..radius; sigma 0 is the identity. */
export function gaussianKernel1d(sigma: number, radius: number): Float32Array {
  const k = new Float32Array(2 * radius + 1);
  if (sigma <= 0) {
    k[radius] = 1;
    return k;
  }
  let sum = 0;
  for (let i = -radius; i <= radius; i++) sum += k[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i]! /= sum;
  return k;
}

/** x: [n, H, W, 1]; sigmas[i] in pixels (0 = leave image i as it is). */
export function blurEach(tf: Tf, x: Tensor4D, sigmas: readonly number[]): Tensor4D {
  const n = x.shape[0];
  if (sigmas.length !== n) throw new Error(`blurEach: ${sigmas.length} sigmas for ${n} images`);
  const maxSigma = Math.max(0, ...sigmas);
  if (maxSigma === 0) return tf.clone(x);
  // ±3σ holds 99.7% of the mass; the radius must also stay below the image size for reflection.
  const radius = Math.min(Math.ceil(3 * maxSigma), x.shape[1] - 1, x.shape[2] - 1);
  const taps = 2 * radius + 1;
  const weights = new Float32Array(taps * n);
  sigmas.forEach((s, i) => gaussianKernel1d(s, radius).forEach((w, t) => (weights[t * n + i] = w)));
  return tf.tidy(() => {
    const chw = tf.transpose(x, [3, 1, 2, 0]) as Tensor4D; // [1, H, W, n]
    const padded = tf.mirrorPad(chw, [[0, 0], [radius, radius], [radius, radius], [0, 0]], 'reflect');
    const vertical = tf.depthwiseConv2d(padded, tf.tensor4d(weights, [taps, 1, n, 1]), 1, 'valid');
    const both = tf.depthwiseConv2d(vertical, tf.tensor4d(weights, [1, taps, n, 1]), 1, 'valid');
    return tf.transpose(both, [3, 1, 2, 0]) as Tensor4D;
  });
}
