/**
 * Stochastic depth (the reference `DropPath`): during training each sample's residual branch
 * is dropped with probability `rate` and kept ones are scaled by 1 / (1 − rate), so the
 * expectation is unchanged; at evaluation it is the identity. The per-sample keep decisions
 * come from a seeded stream, so a training run is reproducible from its seeds.
 */
import type { Tf } from '../engine/index.js';
import type * as tfc from '@tensorflow/tfjs';
import type { Rng } from '../../random/rng.js';

/** Per-block rates: linear from 0 at the first block to `rate` at the last (torch.linspace). */
export function dropPathRates(rate: number, depth: number): number[] {
  if (depth === 1) return [0];
  return Array.from({ length: depth }, (_, i) => (rate * i) / (depth - 1));
}

/** Per-sample multipliers: 0 (dropped) or 1 / keep (kept), as floor(keep + U[0,1)) / keep. */
export function dropPathMask(rng: Rng, batch: number, rate: number): Float32Array {
  const keep = 1 - rate;
  return Float32Array.from({ length: batch }, () => Math.floor(keep + rng.next()) / keep);
}

/** y [B, ...] times a per-sample mask; returns y itself when nothing can be dropped. */
export function dropPath<T extends tfc.Tensor>(tf: Tf, y: T, rate: number, rng: Rng | null): T {
  if (rng === null || rate === 0) return y;
  const batch = y.shape[0]!;
  const shape = [batch, ...y.shape.slice(1).map(() => 1)];
  return tf.tidy(() => tf.mul(y, tf.tensor(dropPathMask(rng, batch, rate), shape)));
}
