/**
 * Multi-head self-attention (the reference `Attention`): one qkv projection with bias, softmax
 * over scaled dot products per head, output projection. Returns the attention weights too:
 * the last block's are DINO's attention maps.
 *
 * Layout on wasm: the per-head products are batched over B·heads and run on the backend's
 * scalar loop whatever we do (XNNPACK takes only unbatched products), so the work here is
 * keeping everything around them cheap: q, k and v come from three products with slices of
 * the qkv weight, each put into heads with a 4-D transpose (the reference's 5-D permute
 * costs ~30x more here), and merged back with another.
 */
import type { Tf } from '../engine/index.js';
import type * as tfc from '@tensorflow/tfjs';
import { linear, type GradMode } from './linear.js';

export interface AttentionParams {
  qkvWeight: tfc.Tensor2D; // [3D, D]
  qkvBias: tfc.Tensor1D; // [3D]
  projWeight: tfc.Tensor2D; // [D, D]
  projBias: tfc.Tensor1D; // [D]
}

export interface AttentionOutput {
  /** [B·T, D] */
  out: tfc.Tensor2D;
  /** [B, heads, T, T], softmax over the last axis. */
  attn: tfc.Tensor4D;
}

/** x: normalised tokens [B·T, D] of `batch` images. */
export function attention(
  tf: Tf,
  x: tfc.Tensor2D,
  batch: number,
  numHeads: number,
  params: AttentionParams,
  mode: GradMode,
): AttentionOutput {
  const [rows, dim] = x.shape;
  const tokens = rows / batch;
  const headDim = dim / numHeads;
  const scale = headDim ** -0.5;
  return tf.tidy(() => {
    // q, k and v as three products with row blocks of the qkv weight: slicing the small
    // weight is cheap, while slicing (or splitting) the [B·T, 3D] activation on wasm copies
    // the whole tensor into JavaScript once per slice.
    const project = (i: number): tfc.Tensor3D => {
      const w = tf.slice(params.qkvWeight, [i * dim, 0], [dim, dim]);
      const b = tf.slice(params.qkvBias, [i * dim], [dim]);
      const y = linear(tf, x, w, b, mode); // [B·T, D], columns (head, d)
      return tf.reshape(tf.transpose(tf.reshape(y, [batch, tokens, numHeads, headDim]), [0, 2, 1, 3]), [
        batch * numHeads,
        tokens,
        headDim,
      ]);
    };
    const [q, k, v] = [project(0), project(1), project(2)];
    const attn = tf.softmax(tf.mul(tf.matMul(q, k, false, true), scale)); // [B·H, T, T]
    const mixed = tf.matMul(attn, v); // [B·H, T, dh]
    const merged = tf.reshape(tf.transpose(tf.reshape(mixed, [batch, numHeads, tokens, headDim]), [0, 2, 1, 3]), [rows, dim]);
    return {
      out: linear(tf, merged as tfc.Tensor2D, params.projWeight, params.projBias, mode),
      attn: tf.reshape(attn, [batch, numHeads, tokens, tokens]) as tfc.Tensor4D,
    };
  });
}
