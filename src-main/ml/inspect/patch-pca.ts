/**
 * Patch-feature colours (the DINOv2 figure): the normalised patch tokens of a few images,
 * their first three principal components (fit across all the images' patches together, so the
 * same part gets the same colour in every image), each scaled to 0–255 by its 1st–99th
 * percentile, as RGB per patch. Parts of the retina show up as colours without any label.
 */
import type * as tfc from '@tensorflow/tfjs';
import type { Tf } from '../engine/index.js';
import type { ViT } from '../models/vit.js';
import { fitPca, projectPca } from './pca.js';

export interface PatchColours {
  grid: [number, number];
  /** Per image: rows · columns · 3 bytes. */
  rgb: Uint8Array[];
}

export async function patchColours(tf: Tf, vit: ViT, inputs: tfc.Tensor4D): Promise<PatchColours> {
  const p = vit.config.patchSize;
  const [n, S1, S2] = inputs.shape;
  const [gh, gw] = [S1 / p, S2 / p];
  const patches = tf.tidy(() => {
    const { tokens } = vit.forwardWithAttention(inputs, { training: false, evaluation: true });
    const dim = tokens.shape[2];
    return tf.reshape(tf.slice(tokens, [0, 1, 0], [-1, -1, -1]), [n * gh * gw, dim]) as tfc.Tensor2D;
  });
  let rows: Float32Array;
  try {
    rows = (await patches.data()) as Float32Array;
  } finally {
    patches.dispose();
  }
  const d = rows.length / (n * gh * gw);
  const xyz = projectPca(fitPca(rows, d, Math.min(3, d)), rows);
  const k = Math.min(3, d);
  const scaled = new Uint8Array(n * gh * gw * 3);
  for (let c = 0; c < k; c++) {
    const values = Array.from({ length: n * gh * gw }, (_, i) => xyz[i * k + c]!).sort((a, b) => a - b);
    const lo = values[Math.floor(0.01 * (values.length - 1))]!;
    const hi = values[Math.ceil(0.99 * (values.length - 1))]!;
    const span = hi > lo ? hi - lo : 1;
    for (let i = 0; i < n * gh * gw; i++) scaled[i * 3 + c] = Math.round(255 * Math.min(1, Math.max(0, (xyz[i * k + c]! - lo) / span)));
  }
  const per = gh * gw * 3;
  return { grid: [gh, gw], rgb: Array.from({ length: n }, (_, i) => scaled.slice(i * per, (i + 1) * per)) };
}
