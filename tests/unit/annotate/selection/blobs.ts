import { createRng } from '../../../../src-main/random/rng.js';

/**
 * Well-separated Gaussian blobs in d dimensions: blob b is centred on the unit axis e_b
 * (pairwise 1.41 apart after normalisation) with per-coordinate noise `sd`. Rows are ordered
 * blob by blob.
 */
export function blobs(sizes: number[], d: number, sd: number, seed: number): { x: Float32Array; blob: number[]; d: number } {
  const rng = createRng(seed);
  const rows: number[] = [];
  const blob: number[] = [];
  sizes.forEach((size, b) => {
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < d; j++) rows.push((j === b ? 1 : 0) + rng.normal(0, sd));
      blob.push(b);
    }
  });
  return { x: Float32Array.from(rows), blob, d };
}

/** Rank (0 = nearest) of row i's distance to its blob's normalised centre among the blob's rows. */
export function centralityRank(x: Float32Array, d: number, blob: number[], i: number): number {
  const dist = (r: number): number => {
    const row = x.subarray(r * d, r * d + d);
    const norm = Math.hypot(...row);
    return Math.hypot(...Array.from(row, (v, j) => v / norm - (j === blob[r] ? 1 : 0)));
  };
  const mine = dist(i);
  return blob.filter((b, r) => b === blob[i] && dist(r) < mine).length;
}
