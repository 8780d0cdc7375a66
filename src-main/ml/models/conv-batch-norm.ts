/**
 * Batch normalisation of convolutional feature maps (PyTorch `nn.BatchNorm2d`), NHWC.
 *
 * Training normalises with the batch's own statistics over (B, H, W) and updates the running
 * statistics as PyTorch does: r ← (1 − momentum)·r + momentum·s, with the *unbiased* batch
 * variance in the running variance but the biased one in the normalisation. Evaluation
 * normalises with the running statistics. (DINO's reference converts BN layers to SyncBatchNorm;
 * on one device that is this.)
 *
 * Why a hand-written gradient: the per-channel sums are done as untransposed products
 * 1[1, M] · X[M, C], which wasm sends to XNNPACK, where a reduction over a non-last axis would
 * transpose first; and the backward is the closed form
 *   dx = γ·σ⁻¹/M · (M·dy − Σdy − x̂·Σ(dy·x̂)),  dγ = Σ dy·x̂,  dβ = Σ dy
 * instead of a tape through mean and variance.
 */
import type { Tf } from '../engine/index.js';
import type * as tfc from '@tensorflow/tfjs';
import { customOp } from './custom-op.js';

export interface BatchNormState {
  weight: tfc.Tensor1D;
  bias: tfc.Tensor1D;
  /** Buffers, not parameters: updated in training, never by the optimiser. */
  runningMean: tfc.Variable<tfc.Rank.R1>;
  runningVar: tfc.Variable<tfc.Rank.R1>;
}

export interface BatchNormOptions {
  /** Normalise with this batch's statistics (PyTorch train mode) rather than the running ones. */
  batchStats: boolean;
  /** Update the running statistics from this batch (only with batchStats). */
  updateRunning: boolean;
  momentum: number;
  eps: number;
}

export class BatchNormError extends Error {
  override readonly name = 'BatchNormError';
}

/** Per-channel sums of x [M, C] as 1[1, M] · x: [1, C]. */
function channelSums(tf: Tf, x: tfc.Tensor2D, ones: tfc.Tensor2D): tfc.Tensor2D {
  return tf.matMul(ones, x);
}

/** y = BN(x) for x [B, H, W, C]. */
export function batchNorm2d(tf: Tf, x: tfc.Tensor4D, p: BatchNormState, opts: BatchNormOptions): tfc.Tensor4D {
  const [b, h, w, c] = x.shape;
  const m = b * h * w;
  if (!opts.batchStats) {
    return tf.tidy(() => {
      const scale = tf.mul(p.weight, tf.rsqrt(tf.add(p.runningVar, opts.eps)));
      const shift = tf.sub(p.bias, tf.mul(p.runningMean, scale));
      return tf.add(tf.mul(x, scale), shift);
    });
  }
  if (m < 2) {
    throw new BatchNormError(
      `batch norm in training needs more than one value per channel, got input [${x.shape.join(', ')}]: use a larger batch or larger images`,
    );
  }
  const op = customOp<[tfc.Tensor2D, tfc.Tensor1D, tfc.Tensor1D], tfc.Tensor2D>(tf, ([x2, gamma, beta], save) => {
    const ones = tf.ones([1, m]) as tfc.Tensor2D;
    const mean = tf.div(channelSums(tf, x2, ones), m); // [1, C]
    const centred = tf.sub(x2, mean);
    const variance = tf.div(channelSums(tf, tf.square(centred) as tfc.Tensor2D, ones), m); // biased, [1, C]
    const invStd = tf.rsqrt(tf.add(variance, opts.eps));
    const xHat = tf.mul(centred, invStd) as tfc.Tensor2D;
    if (opts.updateRunning) {
      // A side effect of the forward pass, as in PyTorch; the new values are not on any tape.
      const mom = opts.momentum;
      p.runningMean.assign(tf.add(tf.mul(p.runningMean, 1 - mom), tf.mul(tf.reshape(mean, [c]), mom)));
      p.runningVar.assign(tf.add(tf.mul(p.runningVar, 1 - mom), tf.mul(tf.reshape(variance, [c]), (mom * m) / (m - 1))));
    }
    save([xHat, invStd, gamma]);
    return {
      value: tf.add(tf.mul(xHat, gamma), beta) as tfc.Tensor2D,
      gradFunc: (dy, [xh, inv, g]) => {
        const onesB = tf.ones([1, m]) as tfc.Tensor2D;
        const dBeta = channelSums(tf, dy, onesB); // [1, C]
        const dGamma = channelSums(tf, tf.mul(dy, xh!) as tfc.Tensor2D, onesB); // [1, C]
        const k = tf.div(tf.mul(g!, inv!), m);
        const dx = tf.mul(k, tf.sub(tf.sub(tf.mul(dy, m), dBeta), tf.mul(xh!, dGamma))) as tfc.Tensor2D;
        return [dx, tf.reshape(dGamma, [c]), tf.reshape(dBeta, [c])];
      },
    };
  });
  return tf.tidy(() => tf.reshape(op(tf.reshape(x, [m, c]) as tfc.Tensor2D, p.weight, p.bias), [b, h, w, c]) as tfc.Tensor4D);
}
