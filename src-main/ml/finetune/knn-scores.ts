/**
 * The k-NN arm's scores: DINO's weighted k-NN (k = 20, T = 0.07, reference `eval_knn.py`) on
 * frozen features, with the labelled training images as the bank. Each query's k most
 * cosine-similar bank images vote with weight exp(sim / T). Multi-label: per label, among the
 * bank images whose label is known, the score is the vote share of "present". Single-label: the
 * class vote shares (they sum to 1), so evaluation treats them like softmax probabilities.
 */
import type { Tf } from '../engine/index.js';
import { KNN_K, KNN_TEMPERATURE, l2Normalize, similarityMatrix, topK } from '../eval/knn.js';
import type { TaskKind } from './downstream-data.js';

export function knnScores(
  input: { dim: number; task: TaskKind; numOutputs: number; bankFeatures: Float32Array; bankTruth: Int8Array | Int32Array; queryFeatures: Float32Array },
  opts: { k?: number; temperature?: number; tf?: Tf } = {},
): Float32Array {
  const { dim, task, numOutputs: L } = input;
  const k = opts.k ?? KNN_K;
  const T = opts.temperature ?? KNN_TEMPERATURE;
  const bank = l2Normalize(input.bankFeatures, dim);
  const queries = l2Normalize(input.queryFeatures, dim);
  const n = bank.length / dim;
  const m = queries.length / dim;
  const sims = similarityMatrix(queries, bank, dim, opts.tf);
  const out = new Float32Array(m * L);
  for (let q = 0; q < m; q++) {
    const row = sims.subarray(q * n, (q + 1) * n);
    if (task === 'single_label') {
      const { indices, sims: s } = topK(row, Math.min(k, n));
      let total = 0;
      indices.forEach((j, r) => {
        const w = Math.exp(s[r]! / T);
        out[q * L + (input.bankTruth[j] as number)]! += w;
        total += w;
      });
      for (let c = 0; c < L; c++) out[q * L + c] = total > 0 ? out[q * L + c]! / total : 1 / L;
      continue;
    }
    for (let l = 0; l < L; l++) {
      const known = (j: number): boolean => (input.bankTruth[j * L + l] as number) >= 0;
      const { indices, sims: s } = topK(row, k, known);
      let present = 0;
      let total = 0;
      indices.forEach((j, r) => {
        const w = Math.exp(s[r]! / T);
        total += w;
        if (input.bankTruth[j * L + l] === 1) present += w;
      });
      out[q * L + l] = total > 0 ? present / total : 0.5;
    }
  }
  return out;
}
