/**
 * k-means for TypiClust's clustering step, sized for 78,000 × 384 DINO features on two cores.
 *
 * Full Lloyd on all rows costs n·k·d per iteration (3·10^9 multiply-adds for k = 100: ~2 s in
 * JavaScript), so the centres are fitted on a seeded uniform sample of at most `sampleSize`
 * rows: k-means++ seeding (Arthur & Vassilvitskii 2007), then Lloyd iterations until no sampled
 * row changes cluster or `maxIterations` is reached. Every row is then assigned to its nearest
 * centre once. With the defaults (10,000 rows, 10 iterations) the fit costs about as much as
 * the final assignment. When n ≤ sampleSize this is plain k-means++ / Lloyd on all rows.
 *
 * A centre that loses all its sampled rows keeps its position (its cluster may still gain rows
 * in the final assignment, or stay empty; callers must accept empty clusters).
 */
import { createRng, type Rng } from '../../random/rng.js';
import { AnnotateInputError } from '../errors.js';
import { dotBlock, gatherRows } from './dots.js';
import { rowSquaredNorms } from './features.js';

export interface KMeansOptions {
  /** Number of clusters (clamped to n). */
  k: number;
  seed: number;
  /** Rows the centres are fitted on; more = closer to full k-means, slower. Default 10,000. */
  sampleSize?: number;
  /** Lloyd iterations on the sample at most. Default 10; k-means++ seeding is already good. */
  maxIterations?: number;
}

export interface KMeansResult {
  /** k·d, row-major. */
  centres: Float32Array;
  k: number;
  /** Cluster of each row. */
  assignment: Int32Array;
  /** Rows in each cluster. */
  sizes: Int32Array;
  /** Lloyd iterations run on the sample. */
  iterations: number;
}

export const DEFAULT_KMEANS_SAMPLE = 10_000;
export const DEFAULT_KMEANS_ITERATIONS = 10;

export function kMeans(x: Float32Array, n: number, d: number, options: KMeansOptions): KMeansResult {
  if (!Number.isInteger(options.k) || options.k < 1) throw new AnnotateInputError(`k-means needs k >= 1, got ${options.k}`);
  if (n === 0) throw new AnnotateInputError('k-means needs at least one row');
  const k = Math.min(options.k, n);
  const rng = createRng(options.seed).fork('k-means');
  const rows = sampleRows(n, options.sampleSize ?? DEFAULT_KMEANS_SAMPLE, rng);
  const m = rows.length;
  const sample = m === n ? x : gatherRows(x, rows, d); // contiguous: the kernel streams it
  const centres = seedPlusPlus(sample, m, d, k, rng);

  const assign = new Int32Array(m).fill(-1);
  const next = new Int32Array(m);
  const maxIterations = options.maxIterations ?? DEFAULT_KMEANS_ITERATIONS;
  let iterations = 0;
  while (iterations < maxIterations) {
    iterations++;
    assignNearest(sample, m, centres, k, d, next);
    let changed = 0;
    for (let s = 0; s < m; s++) if (next[s] !== assign[s]) changed++;
    assign.set(next);
    if (changed === 0) break;
    updateCentres(sample, d, assign, centres, k);
  }

  const assignment = new Int32Array(n);
  assignNearest(x, n, centres, k, d, assignment);
  const sizes = new Int32Array(k);
  for (let i = 0; i < n; i++) sizes[assignment[i]!]!++;
  return { centres, k, assignment, sizes, iterations };
}

/** All rows when n ≤ size, else `size` distinct rows drawn uniformly (partial Fisher–Yates), ascending. */
function sampleRows(n: number, size: number, rng: Rng): Int32Array {
  if (n <= size) return Int32Array.from({ length: n }, (_, i) => i);
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < size; i++) {
    const j = rng.int(i, n - 1);
    const t = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = t;
  }
  return perm.slice(0, size).sort();
}

/** k-means++: each next centre is a row drawn with probability ∝ squared distance to the nearest centre so far. */
function seedPlusPlus(x: Float32Array, m: number, d: number, k: number, rng: Rng): Float32Array {
  const centres = new Float32Array(k * d);
  const sq = rowSquaredNorms(x, m, d);
  const d2 = new Float64Array(m).fill(Infinity);
  const dots = new Float64Array(m);
  let chosen = rng.int(0, m - 1);
  for (let c = 0; c < k; c++) {
    centres.set(x.subarray(chosen * d, chosen * d + d), c * d);
    if (c === k - 1) break;
    dotBlock(x, 0, m, centres, c, 1, d, dots);
    let total = 0;
    for (let s = 0; s < m; s++) {
      const v = Math.max(0, sq[s]! + sq[chosen]! - 2 * dots[s]!);
      if (v < d2[s]!) d2[s] = v;
      total += d2[s]!;
    }
    // With fewer distinct rows than k every distance is 0: repeat a row (its cluster stays empty).
    let target = rng.next() * total;
    chosen = m - 1;
    for (let s = 0; s < m; s++) {
      target -= d2[s]!;
      if (target < 0) {
        chosen = s;
        break;
      }
    }
  }
  return centres;
}

const BLOCK = 64;

/** out[i] = argmin_c |x_i − c|² = argmin_c (|c|² − 2 x_i·c) for the first `count` rows; ties to the lower centre. */
function assignNearest(x: Float32Array, count: number, centres: Float32Array, k: number, d: number, out: Int32Array): void {
  const cSq = rowSquaredNorms(centres, k, d);
  const dots = new Float64Array(BLOCK * k);
  for (let start = 0; start < count; start += BLOCK) {
    const rows = Math.min(BLOCK, count - start);
    dotBlock(x, start, rows, centres, 0, k, d, dots);
    for (let r = 0; r < rows; r++) {
      let best = 0;
      let bestScore = Infinity;
      for (let c = 0; c < k; c++) {
        const score = cSq[c]! - 2 * dots[r * k + c]!;
        if (score < bestScore) {
          bestScore = score;
          best = c;
        }
      }
      out[start + r] = best;
    }
  }
}

function updateCentres(x: Float32Array, d: number, assign: Int32Array, centres: Float32Array, k: number): void {
  const sums = new Float64Array(k * d);
  const counts = new Int32Array(k);
  for (let s = 0; s < assign.length; s++) {
    const c = assign[s]!;
    const o = s * d;
    counts[c]!++;
    for (let j = 0; j < d; j++) sums[c * d + j]! += x[o + j]!;
  }
  for (let c = 0; c < k; c++) {
    if (counts[c] === 0) continue; // keeps its position
    for (let j = 0; j < d; j++) centres[c * d + j] = sums[c * d + j]! / counts[c]!;
  }
}
