/**
 * The k-NN arm's scores against a brute-force reimplementation in float64: cosine similarity,
 * the k most similar bank images (among those whose label is known, per label), exp(sim / T) votes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Tf } from '../../../../src-main/ml/engine/index.js';
import { knnScores } from '../../../../src-main/ml/finetune/knn-scores.js';
import { createRng } from '../../../../src-main/random/rng.js';
import { cpuTf } from '../dino/tf-cpu.js';

let tf: Tf;
beforeAll(async () => {
  tf = await cpuTf();
});

const features = (n: number, dim: number, seed: number): Float32Array => {
  const rng = createRng(seed);
  return Float32Array.from({ length: n * dim }, () => rng.normal());
};

function cosine(a: Float32Array, i: number, b: Float32Array, j: number, dim: number): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let d = 0; d < dim; d++) {
    const x = a[i * dim + d]!;
    const y = b[j * dim + d]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return dot / Math.sqrt(na * nb);
}

/** Reference: for each query (and label), sort the eligible bank rows by similarity and vote. */
function bruteForce(opts: { dim: number; bank: Float32Array; query: Float32Array; truth: ArrayLike<number>; L: number; task: 'multi_label' | 'single_label'; k: number; T: number }): number[] {
  const { dim, bank, query, truth, L, task, k, T } = opts;
  const n = bank.length / dim;
  const m = query.length / dim;
  const out: number[] = [];
  for (let q = 0; q < m; q++) {
    const sims = Array.from({ length: n }, (_, j) => ({ j, s: cosine(query, q, bank, j, dim) }));
    const ranked = (eligible: (j: number) => boolean) => sims.filter(({ j }) => eligible(j)).sort((a, b) => b.s - a.s || a.j - b.j).slice(0, k);
    if (task === 'single_label') {
      const votes = new Array<number>(L).fill(0);
      for (const { j, s } of ranked(() => true)) votes[truth[j]!]! += Math.exp(s / T);
      const total = votes.reduce((a, b) => a + b, 0);
      out.push(...votes.map((v) => v / total));
    } else {
      for (let l = 0; l < L; l++) {
        let present = 0;
        let total = 0;
        for (const { j, s } of ranked((j) => truth[j * L + l]! >= 0)) {
          const w = Math.exp(s / T);
          total += w;
          if (truth[j * L + l] === 1) present += w;
        }
        out.push(total > 0 ? present / total : 0.5);
      }
    }
  }
  return out;
}

describe('knnScores', () => {
  const dim = 6;
  const bank = features(15, dim, 1);
  const query = features(5, dim, 2);

  it('multi-label: per label, the exp(sim/T)-weighted share of "present" among the k nearest known bank images', () => {
    const L = 3;
    const rng = createRng(3);
    // Label 2 unknown for most of the bank (only 2 known), so its top-k is narrowed to those.
    const truth = Int8Array.from({ length: 15 * L }, (_, i) => (i % L === 2 ? (i < 2 * L ? (i / L) % 2 : -1) : rng.chance(0.2) ? -1 : rng.chance(0.5) ? 1 : 0));
    for (const [k, T] of [[5, 0.07], [4, 0.5]] as const) {
      const got = knnScores({ dim, task: 'multi_label', numOutputs: L, bankFeatures: bank, bankTruth: truth, queryFeatures: query }, { k, temperature: T, tf });
      const want = bruteForce({ dim, bank, query, truth, L, task: 'multi_label', k, T });
      expect(got.length).toBe(want.length);
      want.forEach((w, i) => expect(got[i], `entry ${i}`).toBeCloseTo(w, 4));
    }
  });

  it('multi-label: a label unknown in the whole bank scores 0.5', () => {
    const truth = Int8Array.from({ length: 15 * 2 }, (_, i) => (i % 2 === 1 ? -1 : i % 4 === 0 ? 1 : 0));
    const got = knnScores({ dim, task: 'multi_label', numOutputs: 2, bankFeatures: bank, bankTruth: truth, queryFeatures: query }, { k: 3 });
    for (let q = 0; q < 5; q++) expect(got[q * 2 + 1]).toBe(0.5);
  });

  it('single-label: class vote shares that sum to 1, equal to the brute force', () => {
    const L = 4;
    const truth = Int32Array.from({ length: 15 }, (_, i) => (i * 7) % L);
    const got = knnScores({ dim, task: 'single_label', numOutputs: L, bankFeatures: bank, bankTruth: truth, queryFeatures: query }, { k: 6, temperature: 0.1 });
    const want = bruteForce({ dim, bank, query, truth, L, task: 'single_label', k: 6, T: 0.1 });
    want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 4));
    for (let q = 0; q < 5; q++) expect(Array.from(got.subarray(q * L, (q + 1) * L)).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it('k larger than the bank uses the whole bank (both tasks)', () => {
    const truthS = Int32Array.from({ length: 15 }, (_, i) => i % 3);
    const gotS = knnScores({ dim, task: 'single_label', numOutputs: 3, bankFeatures: bank, bankTruth: truthS, queryFeatures: query }, { k: 100, temperature: 0.2 });
    bruteForce({ dim, bank, query, truth: truthS, L: 3, task: 'single_label', k: 15, T: 0.2 }).forEach((w, i) => expect(gotS[i]).toBeCloseTo(w, 4));
    const truthM = Int8Array.from({ length: 15 * 2 }, (_, i) => (i % 5 === 0 ? -1 : i % 3 === 0 ? 1 : 0));
    const gotM = knnScores({ dim, task: 'multi_label', numOutputs: 2, bankFeatures: bank, bankTruth: truthM, queryFeatures: query }, { k: 100, temperature: 0.2 });
    bruteForce({ dim, bank, query, truth: truthM, L: 2, task: 'multi_label', k: 15, T: 0.2 }).forEach((w, i) => expect(gotM[i]).toBeCloseTo(w, 4));
  });

  it('with and without the tf similarity path agree', () => {
    const truth = Int32Array.from({ length: 15 }, (_, i) => i % 2);
    const a = knnScores({ dim, task: 'single_label', numOutputs: 2, bankFeatures: bank, bankTruth: truth, queryFeatures: query }, { k: 5 });
    const b = knnScores({ dim, task: 'single_label', numOutputs: 2, bankFeatures: bank, bankTruth: truth, queryFeatures: query }, { k: 5, tf });
    Array.from(a).forEach((x, i) => expect(b[i]).toBeCloseTo(x, 5));
  });
});
