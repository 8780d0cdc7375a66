/**
 * Exact GELU, x · Φ(x) with Φ the standard normal CDF (PyTorch's `nn.GELU()` default, used by
 * the reference MLP and head), not the tanh approximation.
 *
 * The custom gradient keeps Φ(x) from the forward pass, so the backward computes only
 * exp(-x²/2) instead of a second erf: on wasm erf is the slowest elementwise kernel
 * (~19 ns per element, ~2x exp and ~10x a multiply).
 */
import type { Tf } from '../engine/index.js';
import type * as tfc from '@tensorflow/tfjs';
import { customOp } from './custom-op.js';
import type { GradMode } from './linear.js';

const INV_SQRT2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

export function gelu<T extends tfc.Tensor>(tf: Tf, x: T, mode: GradMode): T {
  if (mode === 'autodiff') {
    return tf.tidy(() => tf.mul(x, tf.add(0.5, tf.mul(0.5, tf.erf(tf.mul(x, INV_SQRT2))))));
  }
  const op = customOp<[T], T>(tf, ([xIn], save) => {
    const cdf = tf.add(0.5, tf.mul(0.5, tf.erf(tf.mul(xIn, INV_SQRT2))));
    save([xIn, cdf]);
    return {
      value: tf.mul(xIn, cdf),
      gradFunc: (dy, [xs, cdfs]) => {
        // d/dx [x Φ(x)] = Φ(x) + x φ(x), φ(x) = exp(-x²/2) / √(2π)
        const xPdf = tf.mul(tf.mul(xs!, INV_SQRT_2PI), tf.exp(tf.mul(tf.square(xs!), -0.5)));
        return [tf.mul(dy, tf.add(cdfs!, xPdf))];
      },
    };
  });
  return op(x);
}
