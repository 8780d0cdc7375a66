/**
 * Gradient surgery of the DINO reference (`utils.clip_gradients`,
 * `utils.cancel_gradients_last_layer`).
 *
 * Clipping is per parameter, not global: each gradient whose L2 norm exceeds `clip` is scaled
 * by clip / (norm + 1e-6). Cancelling drops the last layer's gradients during the first epochs:
 * the reference says this "helps the optimisation" — a freshly initialised prototype layer that
 * moves at once lets the loss fall by collapsing instead of by learning features.
 */
import type { Tensor, Tensor1D } from '@tensorflow/tfjs';
import type { Tf } from '../engine/index.js';
import { prefersFusedUpdates } from './adamw.js';

/**
 * ‖g‖₂ as √(Σ g²): three kernels (tf.norm takes five: |g|, pow, sum, sqrt and a reshape) and
 * exact squares on every backend (a GPU's pow(x, 2) may go through exp and log).
 */
function l2Norm(tf: Tf, g: Tensor): Tensor {
  return tf.sqrt(tf.sum(tf.square(g)));
}

export interface ClippedGradients {
  /** New tensors (the caller disposes them); the input map is left as it was. */
  grads: Map<string, Tensor>;
  /** Each gradient's L2 norm before clipping, in the order of `grads`; [n]. */
  norms: Tensor1D;
}

/**
 * `clip_gradients(model, clip)`: per-parameter clipping. The clip coefficient is computed on the
 * device (no read-back): multiplying by min(1, coef) leaves a gradient under the limit
 * bit-for-bit unchanged, as the reference's `if clip_coef < 1`.
 */
export function clipGradients(tf: Tf, grads: ReadonlyMap<string, Tensor>, clip: number, fused = prefersFusedUpdates(tf)): ClippedGradients {
  if (!(clip > 0)) throw new RangeError(`clip must be > 0 (use no clipping instead of 0), got ${clip}`);
  if (fused && grads.size > 1) {
    // The same scalar operations on the vector of norms: fewer kernels, the same values.
    const names = [...grads.keys()];
    const { clipped, norms } = tf.tidy(() => {
      const norms = tf.stack(names.map((name) => l2Norm(tf, grads.get(name)!))) as Tensor1D;
      const coefs = tf.unstack(tf.minimum(tf.div(clip, tf.add(norms, 1e-6)), 1));
      return { clipped: names.map((name, i) => tf.mul(grads.get(name)!, coefs[i]!)), norms };
    });
    return { grads: new Map(names.map((name, i) => [name, clipped[i]!])), norms };
  }
  const out = new Map<string, Tensor>();
  const norms: Tensor[] = [];
  try {
    for (const [name, g] of grads) {
      const [norm, clipped] = tf.tidy(() => {
        const n = l2Norm(tf, g);
        const coef = tf.minimum(tf.div(clip, tf.add(n, 1e-6)), 1);
        return [n, tf.mul(g, coef)];
      });
      norms.push(norm);
      out.set(name, clipped);
    }
    return { grads: out, norms: norms.length > 0 ? (tf.stack(norms) as Tensor1D) : tf.tensor1d([]) };
  } finally {
    tf.dispose(norms);
  }
}

/** L2 norms of the gradients, [n], without clipping (for the monitor when clipping is off). */
export function gradientNorms(tf: Tf, grads: ReadonlyMap<string, Tensor>): Tensor1D {
  return tf.tidy(() => (grads.size > 0 ? (tf.stack([...grads.values()].map((g) => l2Norm(tf, g))) as Tensor1D) : tf.tensor1d([])));
}

/**
 * `cancel_gradients_last_layer(epoch, model, freeze_last_layer)`: while epoch < freezeLastLayer,
 * removes (and disposes) every gradient whose name contains `last_layer`, so the optimiser skips
 * those parameters entirely (as `p.grad = None` does in PyTorch). Returns the same map.
 */
export function cancelLastLayerGradients(grads: Map<string, Tensor>, epoch: number, freezeLastLayer: number): Map<string, Tensor> {
  if (epoch >= freezeLastLayer) return grads;
  for (const [name, g] of [...grads]) {
    if (name.includes('last_layer')) {
      g.dispose();
      grads.delete(name);
    }
  }
  return grads;
}
