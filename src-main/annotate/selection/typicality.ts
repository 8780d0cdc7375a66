/**
 * Typicality (Hacohen et al. 2022, eq. 1): the inverse of the mean distance to a point's K
 * nearest neighbours, i.e. a k-NN density estimate. High typicality = the point sits in a
 * dense part of its cluster, so labelling it tells the model about many similar images.
 */
import { dotBlock, gatherRows } from './dots.js';
import { rowSquaredNorms } from './features.js';

/** Added to the mean distance, as in the authors' code, so duplicates give a large finite value. */
export const TYPICALITY_EPSILON = 1e-5;

/**
 * Typicality of each candidate row of x among the neighbour rows (a candidate is never its own
 * neighbour): 1 / (mean L2 distance to its K' nearest + 1e-5), K' = min(K, neighbours other
 * than itself). A candidate with no other neighbour gets 1 / (0 + 1e-5).
 */
export function typicalities(
  x: Float32Array,
  d: number,
  candidates: readonly number[],
  neighbours: readonly number[],
  K: number,
): Float64Array {
  const c = gatherRows(x, candidates, d);
  const nb = gatherRows(x, neighbours, d);
  const cSq = rowSquaredNorms(c, candidates.length, d);
  const nSq = rowSquaredNorms(nb, neighbours.length, d);
  const m = neighbours.length;
  const out = new Float64Array(candidates.length);
  const best = new Float64Array(Math.max(1, K)); // K smallest distances so far, ascending
  const BLOCK = 32;
  const dots = new Float64Array(BLOCK * m);
  for (let start = 0; start < candidates.length; start += BLOCK) {
    const rows = Math.min(BLOCK, candidates.length - start);
    dotBlock(c, start, rows, nb, 0, m, d, dots);
    for (let r = 0; r < rows; r++) {
      const t = start + r;
      const i = candidates[t]!;
      let kept = 0;
      for (let q = 0; q < m; q++) {
        if (neighbours[q] === i) continue;
        const dist = Math.sqrt(Math.max(0, cSq[t]! + nSq[q]! - 2 * dots[r * m + q]!));
        if (kept < K) {
          insertSorted(best, kept++, dist);
        } else if (dist < best[K - 1]!) {
          insertSorted(best, K - 1, dist);
        }
      }
      let sum = 0;
      for (let q = 0; q < kept; q++) sum += best[q]!;
      out[t] = 1 / ((kept ? sum / kept : 0) + TYPICALITY_EPSILON);
    }
  }
  return out;
}

/** Inserts v into the ascending prefix best[0..len), growing it by one (the last slot is overwritten). */
function insertSorted(best: Float64Array, len: number, v: number): void {
  let q = len;
  while (q > 0 && best[q - 1]! > v) {
    best[q] = best[q - 1]!;
    q--;
  }
  best[q] = v;
}
