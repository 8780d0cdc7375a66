/**
 * Where a ViT looks: the self-attention of the [CLS] token to every patch in the last block,
 * one map per head (DINO's Figure 1; reference `visualize_attention.py`), or, as an option,
 * attention rollout (Abnar & Zuidema 2020) — every block's head-averaged attention with the
 * residual added (½A + ½I, rows renormalised), multiplied from the first block up, so the map
 * says how much each patch reaches the [CLS] token through the whole network. With rollout the
 * per-head maps use each head of the last block on top of the rolled-out lower blocks.
 */
import type * as tfc from '@tensorflow/tfjs';
import type { Tf } from '../engine/index.js';
import type { ViT } from '../models/vit.js';

export interface AttentionMaps {
  heads: number;
  /** Patch grid [rows, columns]. */
  grid: [number, number];
  /** [heads · rows · columns], row-major per head. */
  maps: Float32Array;
  /** Mean of the heads' maps, [rows · columns]. */
  mean: Float32Array;
  rollout: boolean;
}

/** `input`: one normalised image [1, S, S, 1] (S a multiple of the patch size). */
export async function clsAttention(tf: Tf, vit: ViT, input: tfc.Tensor4D, opts: { rollout?: boolean } = {}): Promise<AttentionMaps> {
  if (input.shape[0] !== 1) throw new RangeError(`attention maps are made one image at a time, got a batch of ${input.shape[0]}`);
  const p = vit.config.patchSize;
  const [gh, gw] = [input.shape[1] / p, input.shape[2] / p];
  if (!Number.isInteger(gh) || !Number.isInteger(gw)) throw new RangeError(`image ${input.shape[1]}×${input.shape[2]} is not a whole number of ${p}-px patches`);
  const rollout = opts.rollout ?? false;
  const maps = tf.tidy(() => {
    const out = vit.forwardWithAttention(input, { training: false, evaluation: true }, { allLayers: rollout });
    const last = tf.squeeze(out.attention, [0]) as tfc.Tensor3D; // [H, T, T]
    if (!rollout) return tf.slice(last, [0, 0, 1], [-1, 1, -1]).reshape([last.shape[0], gh * gw]) as tfc.Tensor2D;
    const T = last.shape[1];
    const eye = tf.eye(T);
    const withResidual = (a: tfc.Tensor2D): tfc.Tensor2D => {
      const r = tf.add(tf.mul(a, 0.5), tf.mul(eye, 0.5));
      return tf.div(r, tf.sum(r, 1, true)) as tfc.Tensor2D;
    };
    // R = Â_{L-1} · … · Â_1 over the blocks below the last.
    let below = eye as tfc.Tensor2D;
    for (const layer of out.layers!.slice(0, -1)) below = tf.matMul(withResidual(tf.mean(tf.squeeze(layer, [0]), 0) as tfc.Tensor2D), below);
    const heads = tf.unstack(last).map((a) => tf.slice(tf.matMul(withResidual(a as tfc.Tensor2D), below), [0, 1], [1, -1]));
    return tf.concat(heads, 0) as tfc.Tensor2D;
  });
  try {
    const data = (await maps.data()) as Float32Array;
    const H = maps.shape[0];
    const mean = new Float32Array(gh * gw);
    for (let h = 0; h < H; h++) for (let i = 0; i < gh * gw; i++) mean[i]! += data[h * gh * gw + i]! / H;
    return { heads: H, grid: [gh, gw], maps: Float32Array.from(data), mean, rollout };
  } finally {
    maps.dispose();
  }
}

/**
 * The patches that hold `share` of a map's mass (reference: sort ascending, normalise, cumulative
 * sum, keep where it exceeds 1 − share): 1 = kept. Default 0.6, as the reference.
 */
export function keepMass(map: ArrayLike<number>, share = 0.6): Uint8Array {
  if (!(share >= 0 && share <= 1)) throw new RangeError(`share must be in [0, 1], got ${share}`);
  const n = map.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (map[a] as number) - (map[b] as number));
  let total = 0;
  for (let i = 0; i < n; i++) total += map[i] as number;
  const keep = new Uint8Array(n);
  let cum = 0;
  for (const i of order) {
    cum += total > 0 ? (map[i] as number) / total : 0;
    // (The tolerance keeps an exact boundary, e.g. 0.1 + 0.2 + 0.3 = 0.6000000000000001, on the reference's side of it.)
    if (cum > 1 - share + 1e-9) keep[i] = 1;
  }
  return keep;
}
