/**
 * Layer normalisation over the last axis (PyTorch `nn.LayerNorm`, biased variance; the
 * reference ViT uses eps = 1e-6).
 *
 * The custom gradient is the closed form dx = rstd · (g − mean(g) − x̂ · mean(g · x̂)) with
 * g = dy · γ: about half the elementwise kernels autodiff of `tf.moments` produces.
 */
import type { Tf } from '../engine/index.js';
import type * as tfc from '@tensorflow/tfjs';
import { customOp } from './custom-op.js';
import type { GradMode } from './linear.js';

/** x [M, D], gamma and beta [D]. */
export function layerNorm(
  tf: Tf,
  x: tfc.Tensor2D,
  gamma: tfc.Tensor1D,
  beta: tfc.Tensor1D,
  eps: number,
  mode: GradMode,
): tfc.Tensor2D {
  if (mode === 'autodiff') {
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, -1, true);
      const xHat = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
      return tf.add(tf.mul(xHat, gamma), beta);
    });
  }
  const op = customOp<[tfc.Tensor2D, tfc.Tensor1D, tfc.Tensor1D], tfc.Tensor2D>(tf, ([xIn, g, b], save) => {
    const centred = tf.sub(xIn, tf.mean(xIn, -1, true));
    const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(centred), -1, true), eps));
    const xHat = tf.mul(centred, rstd);
    save([xHat, rstd, g]);
    return {
      value: tf.add(tf.mul(xHat, g), b),
      gradFunc: (dy, [xh, rs, gs]) => {
        const gHat = tf.mul(dy, gs!);
        const dx = tf.mul(
          rs!,
          tf.sub(tf.sub(gHat, tf.mean(gHat, -1, true)), tf.mul(xh!, tf.mean(tf.mul(gHat, xh!), -1, true))),
        );
        return [dx, tf.sum(tf.mul(dy, xh!), 0), tf.sum(dy, 0)];
      },
    };
  });
  return op(x, gamma, beta);
}
