/**
 * Patch embedding (the reference `PatchEmbed`): a p x p convolution with stride p, written as
 * a patchify reshape + one linear layer. The weight keeps the convolution's [D, C, p, p] shape.
 */
import type { Tf } from '../engine/index.js';
import type * as tfc from '@tensorflow/tfjs';
import { linear, type GradMode } from './linear.js';

export class PatchSizeError extends Error {
  override readonly name = 'PatchSizeError';
}

/**
 * [B, H, W, C] → [B·gh·gw, p·p·C], patches in row-major grid order and each patch's pixels
 * in (row, column, channel) order. Only 4-D transposes: a 5-D one costs ~70x on wasm.
 */
export function patchify(tf: Tf, x: tfc.Tensor4D, p: number): tfc.Tensor2D {
  const [b, h, w, c] = x.shape;
  if (h % p !== 0 || w % p !== 0) {
    throw new PatchSizeError(`image size ${h}x${w} is not a multiple of the patch size ${p}: crop or resize to a multiple of ${p}`);
  }
  const gh = h / p;
  const gw = w / p;
  return tf.tidy(() => {
    const rows = tf.reshape(x, [b * gh, p, gw, p * c]);
    return tf.reshape(tf.transpose(rows, [0, 2, 1, 3]), [b * gh * gw, p * p * c]);
  });
}

/** Patch tokens [B, gh·gw, D] from images [B, H, W, C] and the conv weight [D, C, p, p]. */
export function patchEmbed(
  tf: Tf,
  x: tfc.Tensor4D,
  weight: tfc.Tensor4D,
  bias: tfc.Tensor1D,
  mode: GradMode,
): tfc.Tensor3D {
  const [d, c, p] = weight.shape;
  return tf.tidy(() => {
    const patches = patchify(tf, x, p);
    // [D, C, p, p] → [D, p·p·C] in the patches' (row, column, channel) order.
    const kernel = c === 1 ? tf.reshape(weight, [d, p * p]) : tf.reshape(tf.transpose(weight, [0, 2, 3, 1]), [d, p * p * c]);
    const tokens = linear(tf, patches, kernel as tfc.Tensor2D, bias, mode);
    return tf.reshape(tokens, [x.shape[0], patches.shape[0] / x.shape[0], d]);
  });
}
