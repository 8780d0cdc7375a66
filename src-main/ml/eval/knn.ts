/**
 * Weighted k-NN classification on frozen features (DINO's evaluation, reference `eval_knn.py`
 * `knn_classifier`): features are L2-normalised, each query takes its k most cosine-similar
 * bank images, every neighbour votes for its class with weight exp(similarity / T), and the
 * class with the largest vote wins. k = 20 and T = 0.07 as the reference recommends.
 *
 * Single-label tasks report top-1 (and top-5) accuracy as the reference. Multi-label OCT
 * biomarkers are one binary problem per label: neighbours are searched among the bank images
 * whose label is known, the vote share of "present" is the score, a query is called positive
 * when "present" out-votes "absent" (the binary case of the reference's argmax), and per label
 * the balanced accuracy and the AUROC of the vote share are reported with their macro means.
 * Images whose label is unknown count neither as neighbours nor as queries.
 *
 * Pure functions on Float32Array rows ([n·dim], row-major); only the similarity matrix may go
 * through TensorFlow.js (one matmul per chunk of queries), the rest is plain arithmetic.
 */
import type { Tf } from '../engine/index.js';

export const KNN_K = 20;
export const KNN_TEMPERATURE = 0.07;

export interface KnnOptions {
  /** Neighbours per query; 20 "is usually working the best" (reference). Clamped to the bank size. */
  k?: number;
  /** T of the vote weight exp(sim / T); 0.07 as the reference. */
  temperature?: number;
  /** Compute query·bankᵀ with this engine (fast for thousands of images); plain JS without. */
  tf?: Tf;
}

export class KnnInputError extends Error {
  override readonly name = 'KnnInputError';
}

/** Rows scaled to unit L2 norm (a zero row stays zero, as `F.normalize` with its epsilon). */
export function l2Normalize(features: Float32Array, dim: number): Float32Array {
  checkRows(features, dim, 'features');
  const out = new Float32Array(features.length);
  for (let r = 0; r < features.length / dim; r++) {
    let ss = 0;
    for (let j = 0; j < dim; j++) ss += features[r * dim + j]! ** 2;
    const scale = 1 / Math.max(Math.sqrt(ss), 1e-12);
    for (let j = 0; j < dim; j++) out[r * dim + j] = features[r * dim + j]! * scale;
  }
  return out;
}

/** Cosine similarities [M, N] of L2-normalised queries [M, dim] with bank rows [N, dim]. */
export function similarityMatrix(queries: Float32Array, bank: Float32Array, dim: number, tf?: Tf): Float32Array {
  checkRows(queries, dim, 'queries');
  checkRows(bank, dim, 'bank');
  const m = queries.length / dim;
  const n = bank.length / dim;
  const out = new Float32Array(m * n);
  if (m === 0 || n === 0) return out;
  // WebGPU under Node cannot read a GPU tensor synchronously (readSync needs OffscreenCanvas):
  // there the plain loop below answers.
  if (tf && tf.getBackend() !== 'webgpu') {
    // Chunks of queries keep one product under ~16M floats whatever the bank size.
    const rows = Math.max(1, Math.floor(16_000_000 / n));
    const b = tf.tensor2d(bank, [n, dim]);
    try {
      for (let start = 0; start < m; start += rows) {
        const count = Math.min(rows, m - start);
        const product = tf.tidy(() => tf.matMul(tf.tensor2d(queries.subarray(start * dim, (start + count) * dim), [count, dim]), b, false, true));
        try {
          out.set(product.dataSync() as Float32Array, start * n);
        } finally {
          product.dispose();
        }
      }
    } finally {
      b.dispose();
    }
    return out;
  }
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += queries[i * dim + d]! * bank[j * dim + d]!;
      out[i * n + j] = s;
    }
  }
  return out;
}

/**
 * The k largest entries of `row` among the columns `allowed` accepts, most similar first; ties
 * go to the lower bank index (a deterministic stand-in for torch.topk's unspecified order).
 */
export function topK(row: Float32Array, k: number, allowed?: (j: number) => boolean): { indices: number[]; sims: number[] } {
  const indices: number[] = [];
  const sims: number[] = [];
  for (let j = 0; j < row.length; j++) {
    if (allowed && !allowed(j)) continue;
    const s = row[j]!;
    if (indices.length === k && s <= sims[k - 1]!) continue;
    let at = indices.length === k ? k - 1 : indices.length;
    while (at > 0 && sims[at - 1]! < s) at--;
    indices.splice(at, 0, j);
    sims.splice(at, 0, s);
    if (indices.length > k) {
      indices.pop();
      sims.pop();
    }
  }
  return { indices, sims };
}

export interface SingleLabelKnnInput {
  dim: number;
  numClasses: number;
  bankFeatures: Float32Array;
  /** Class index per bank row; −1 = unknown (not a neighbour). */
  bankLabels: Int32Array;
  queryFeatures: Float32Array;
  /** Class index per query row; −1 = unknown (not scored). */
  queryLabels: Int32Array;
}

export interface SingleLabelKnnResult {
  k: number;
  temperature: number;
  /** Fraction of scored queries whose best-voted class is right (the reference reports it in %). */
  top1: number;
  /** Right class among the 5 best-voted (min(5, k) as the reference). */
  top5: number;
  /** Queries scored (label known). */
  total: number;
  /** Best-voted class per query row (−1 for unknown-label rows). */
  predictions: Int32Array;
  /** Summed vote weights [queries, numClasses]. */
  votes: Float64Array;
}

/** The reference `knn_classifier`. Throws when no bank image has a label. */
export function knnClassify(input: SingleLabelKnnInput, opts: KnnOptions = {}): SingleLabelKnnResult {
  const { dim, numClasses } = input;
  const T = opts.temperature ?? KNN_TEMPERATURE;
  checkLabels(input.bankLabels, input.bankFeatures, dim, 'bank');
  checkLabels(input.queryLabels, input.queryFeatures, dim, 'query');
  const known = (j: number): boolean => input.bankLabels[j]! >= 0;
  const bankKnown = input.bankLabels.filter((c) => c >= 0).length;
  if (bankKnown === 0) throw new KnnInputError('k-NN needs at least one labelled bank image.');
  const k = Math.min(opts.k ?? KNN_K, bankKnown);
  const sim = similarityMatrix(l2Normalize(input.queryFeatures, dim), l2Normalize(input.bankFeatures, dim), dim, opts.tf);
  const n = input.bankLabels.length;
  const m = input.queryLabels.length;
  const predictions = new Int32Array(m).fill(-1);
  const votes = new Float64Array(m * numClasses);
  let top1 = 0;
  let top5 = 0;
  let total = 0;
  for (let i = 0; i < m; i++) {
    const target = input.queryLabels[i]!;
    if (target < 0) continue;
    const nn = topK(sim.subarray(i * n, (i + 1) * n), k, known);
    nn.indices.forEach((j, r) => {
      const c = input.bankLabels[j]!;
      if (c >= numClasses) throw new KnnInputError(`bank label ${c} is not below numClasses ${numClasses}`);
      votes[i * numClasses + c]! += Math.exp(nn.sims[r]! / T);
    });
    // Descending by vote, lower class index first on ties.
    const ranking = Array.from({ length: numClasses }, (_, c) => c).sort((a, b) => votes[i * numClasses + b]! - votes[i * numClasses + a]! || a - b);
    predictions[i] = ranking[0]!;
    if (ranking[0] === target) top1++;
    if (ranking.slice(0, Math.min(5, k)).includes(target)) top5++;
    total++;
  }
  return { k, temperature: T, top1: total > 0 ? top1 / total : NaN, top5: total > 0 ? top5 / total : NaN, total, predictions, votes };
}

export interface MultiLabelKnnInput {
  dim: number;
  numLabels: number;
  bankFeatures: Float32Array;
  /** [bank rows · numLabels]: 1 present, 0 absent, −1 unknown. */
  bankLabels: Int8Array;
  queryFeatures: Float32Array;
  /** [query rows · numLabels]: 1 present, 0 absent, −1 unknown. */
  queryLabels: Int8Array;
}

export interface LabelKnnResult {
  label: number;
  /** Bank images with this label known (the candidate neighbours). */
  bank: number;
  /** Queries with this label known (scored). */
  queries: number;
  positives: number;
  negatives: number;
  k: number;
  /** (sensitivity + specificity) / 2 of "present out-votes absent"; null without both classes among the queries. */
  balancedAccuracy: number | null;
  /** AUROC of the vote share; null without both classes among the queries. */
  auroc: number | null;
  /** Vote share of "present" per query row (NaN where the label is unknown or the bank has none). */
  scores: Float64Array;
}

export interface MultiLabelKnnResult {
  temperature: number;
  perLabel: LabelKnnResult[];
  /** Mean over the labels that have a value; null when none has. */
  macroBalancedAccuracy: number | null;
  macroAuroc: number | null;
}

export function knnMultiLabel(input: MultiLabelKnnInput, opts: KnnOptions = {}): MultiLabelKnnResult {
  const { dim, numLabels: L } = input;
  const T = opts.temperature ?? KNN_TEMPERATURE;
  checkRows(input.bankFeatures, dim, 'bank');
  checkRows(input.queryFeatures, dim, 'queries');
  const n = input.bankFeatures.length / dim;
  const m = input.queryFeatures.length / dim;
  if (input.bankLabels.length !== n * L) throw new KnnInputError(`bank labels: expected ${n}·${L} values, got ${input.bankLabels.length}`);
  if (input.queryLabels.length !== m * L) throw new KnnInputError(`query labels: expected ${m}·${L} values, got ${input.queryLabels.length}`);
  const sim = similarityMatrix(l2Normalize(input.queryFeatures, dim), l2Normalize(input.bankFeatures, dim), dim, opts.tf);
  const perLabel: LabelKnnResult[] = [];
  for (let l = 0; l < L; l++) {
    const known = (j: number): boolean => input.bankLabels[j * L + l]! >= 0;
    let bank = 0;
    for (let j = 0; j < n; j++) if (known(j)) bank++;
    const k = Math.min(opts.k ?? KNN_K, bank);
    const scores = new Float64Array(m).fill(NaN);
    const scored: number[] = [];
    const truth: number[] = [];
    let tp = 0;
    let tn = 0;
    for (let i = 0; i < m; i++) {
      const target = input.queryLabels[i * L + l]!;
      if (target < 0) continue;
      if (bank === 0) continue;
      const nn = topK(sim.subarray(i * n, (i + 1) * n), k, known);
      let present = 0;
      let absent = 0;
      nn.indices.forEach((j, r) => {
        const w = Math.exp(nn.sims[r]! / T);
        if (input.bankLabels[j * L + l] === 1) present += w;
        else absent += w;
      });
      const share = present / (present + absent);
      scores[i] = share;
      scored.push(share);
      truth.push(target);
      // Ties go to "absent", the lower class index, as in the single-label ranking.
      const predicted = present > absent ? 1 : 0;
      if (predicted === 1 && target === 1) tp++;
      if (predicted === 0 && target === 0) tn++;
    }
    const positives = truth.filter((t) => t === 1).length;
    const negatives = truth.length - positives;
    const both = positives > 0 && negatives > 0;
    perLabel.push({
      label: l,
      bank,
      queries: truth.length,
      positives,
      negatives,
      k,
      balancedAccuracy: both ? (tp / positives + tn / negatives) / 2 : null,
      auroc: both ? auroc(scored, truth) : null,
      scores,
    });
  }
  return {
    temperature: T,
    perLabel,
    macroBalancedAccuracy: meanOf(perLabel.map((r) => r.balancedAccuracy)),
    macroAuroc: meanOf(perLabel.map((r) => r.auroc)),
  };
}

/**
 * Area under the ROC curve: the probability that a random positive scores above a random
 * negative, ties counting one half (Mann–Whitney U / (P·N)), from average ranks in O(n log n).
 * NaN when either class is missing.
 */
export function auroc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  if (labels.length !== n) throw new KnnInputError(`auroc: ${n} scores but ${labels.length} labels`);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let rankSumPos = 0;
  let positives = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && scores[order[end]!] === scores[order[start]!]) end++;
    const rank = (start + 1 + end) / 2; // average of ranks start+1 … end
    for (let r = start; r < end; r++) {
      if (labels[order[r]!] === 1) {
        rankSumPos += rank;
        positives++;
      }
    }
    start = end;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (rankSumPos - (positives * (positives + 1)) / 2) / (positives * negatives);
}

function meanOf(values: readonly (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v));
  return present.length > 0 ? present.reduce((a, b) => a + b, 0) / present.length : null;
}

function checkRows(x: Float32Array, dim: number, what: string): void {
  if (!Number.isInteger(dim) || dim < 1) throw new KnnInputError(`feature dimension must be a positive integer, got ${dim}`);
  if (x.length % dim !== 0) throw new KnnInputError(`${what}: ${x.length} values are not whole rows of ${dim}`);
}

function checkLabels(labels: Int32Array, features: Float32Array, dim: number, what: string): void {
  checkRows(features, dim, what);
  if (labels.length !== features.length / dim) throw new KnnInputError(`${what}: ${features.length / dim} feature rows but ${labels.length} labels`);
}
