import { describe, expect, it } from 'vitest';
import { auroc, knnClassify, knnMultiLabel, l2Normalize, topK } from '../../../../src-main/ml/eval/knn.js';
import { cpuTf } from '../dino/tf-cpu.js';

/** 2-D unit vectors at these angles (degrees): cosine similarity = cos(angle difference). */
const at = (...degrees: number[]): Float32Array => Float32Array.from(degrees.flatMap((d) => [Math.cos((d * Math.PI) / 180), Math.sin((d * Math.PI) / 180)]));
const w = (deg: number, T = 0.07): number => Math.exp(Math.cos((deg * Math.PI) / 180) / T);

describe('weighted k-NN (reference knn_classifier)', () => {
  // Bank at 0°, 10°, 30°, 100°, 180° with classes 0, 1, 1, 2, 0; query at 5°.
  const bankFeatures = at(0, 10, 30, 100, 180);
  const bankLabels = Int32Array.from([0, 1, 1, 2, 0]);

  it('sums exp(sim/T) of the k nearest per class and predicts the largest vote', () => {
    const r = knnClassify({ dim: 2, numClasses: 3, bankFeatures, bankLabels, queryFeatures: at(5, 95), queryLabels: Int32Array.from([1, 2]) }, { k: 3 });
    // Query 5°: neighbours 0° (5° away, class 0), 10° (5°, class 1), 30° (25°, class 1).
    expect(r.votes[0]! / w(5)).toBeCloseTo(1, 5);
    expect(r.votes[1]! / (w(5) + w(25))).toBeCloseTo(1, 5);
    expect(r.votes[2]).toBe(0);
    // Query 95°: 100° (5°, class 2), 30° (65°, class 1), 10° (85°, class 1): class 2 wins on weight, not on count.
    expect(r.votes[3 + 2]! / w(5)).toBeCloseTo(1, 5);
    expect(r.votes[3 + 1]! / (w(65) + w(85))).toBeCloseTo(1, 5);
    expect(Array.from(r.predictions)).toEqual([1, 2]);
    expect(r.top1).toBe(1);
    expect(r.k).toBe(3);
  });

  it('L2-normalises the features first (scale does not matter), clamps k to the bank and skips unknown labels', () => {
    const scaled = Float32Array.from(bankFeatures, (v, i) => v * (1 + i));
    const r = knnClassify({ dim: 2, numClasses: 3, bankFeatures: scaled, bankLabels: Int32Array.from([0, 1, 1, 2, -1]), queryFeatures: at(5, 40), queryLabels: Int32Array.from([0, -1]) }, { k: 50 });
    expect(r.k).toBe(4);
    expect(r.total).toBe(1);
    expect(r.predictions[1]).toBe(-1);
    expect(r.top1).toBe(0); // two class-1 neighbours out-vote the class-0 one
  });

  it('gives the same result through TensorFlow.js as in plain JS', async () => {
    const tf = await cpuTf();
    const input = { dim: 2, numClasses: 3, bankFeatures, bankLabels, queryFeatures: at(5, 95, 170), queryLabels: Int32Array.from([1, 2, 0]) };
    const before = tf.memory().numTensors;
    const withTf = knnClassify(input, { k: 3, tf });
    expect(tf.memory().numTensors).toBe(before);
    const plain = knnClassify(input, { k: 3 });
    expect(Array.from(withTf.predictions)).toEqual(Array.from(plain.predictions));
    withTf.votes.forEach((v, i) => expect(v / (plain.votes[i]! || 1)).toBeCloseTo(plain.votes[i]! === 0 ? 0 : 1, 5));
  });

  it('topK keeps the most similar first and breaks ties by lower index', () => {
    const row = Float32Array.from([0.5, 0.9, 0.5, 0.1, 0.9]);
    expect(topK(row, 3)).toEqual({ indices: [1, 4, 0], sims: [row[1], row[4], row[0]] });
    expect(topK(row, 2, (j) => j !== 1).indices).toEqual([4, 0]);
  });

  it('l2Normalize leaves a zero row at zero', () => {
    expect(Array.from(l2Normalize(Float32Array.from([3, 4, 0, 0]), 2))).toEqual([0.6000000238418579, 0.800000011920929, 0, 0]);
  });
});

describe('multi-label k-NN', () => {
  it('treats each label as a binary problem over the images whose label is known', () => {
    // Two labels. Bank: 0° (1, −1), 10° (0, 1), 30° (1, 0), 180° (0, 0).
    const bankFeatures = at(0, 10, 30, 180);
    const bankLabels = Int8Array.from([1, -1, 0, 1, 1, 0, 0, 0]);
    // Queries: 5° (1, 1), 20° (0, −1), 175° (−1, 0).
    const queryFeatures = at(5, 20, 175);
    const queryLabels = Int8Array.from([1, 1, 0, -1, -1, 0]);
    const r = knnMultiLabel({ dim: 2, numLabels: 2, bankFeatures, bankLabels, queryFeatures, queryLabels }, { k: 2 });
    const [l0, l1] = r.perLabel;
    // Label 0, query 5°: neighbours 0° (+, 5°) and 10° (−, 5°): share ½ → a tie, called absent.
    expect(l0!.scores[0]).toBeCloseTo(0.5, 12);
    // Label 0, query 20°: 10° (−, 10°) and 30° (+, 10°): ½ again.
    expect(l0!.scores[1]).toBeCloseTo(0.5, 12);
    expect(Number.isNaN(l0!.scores[2]!)).toBe(true); // unknown: not scored
    expect(l0).toMatchObject({ bank: 4, queries: 2, positives: 1, negatives: 1, k: 2, balancedAccuracy: 0.5, auroc: 0.5 });
    // Label 1: bank 0° is unknown, so query 5° sees 10° (+, 5°) and 30° (−, 25°).
    expect(l1!.scores[0]).toBeCloseTo(w(5) / (w(5) + w(25)), 6);
    // Query 175°: 180° (−, 5°) and 30° (−, 145°): share 0.
    expect(l1!.scores[2]).toBe(0);
    expect(l1).toMatchObject({ bank: 3, queries: 2, positives: 1, negatives: 1, balancedAccuracy: 1, auroc: 1 });
    expect(r.macroBalancedAccuracy).toBeCloseTo(0.75, 12);
    expect(r.macroAuroc).toBeCloseTo(0.75, 12);
  });

  it('reports null (and leaves it out of the macro mean) for a label without both classes among the queries', () => {
    const r = knnMultiLabel(
      { dim: 2, numLabels: 2, bankFeatures: at(0, 90), bankLabels: Int8Array.from([1, 1, 0, 0]), queryFeatures: at(10, 80), queryLabels: Int8Array.from([1, 0, 1, 1]) },
      { k: 1 },
    );
    expect(r.perLabel[0]).toMatchObject({ balancedAccuracy: null, auroc: null, positives: 2, negatives: 0 });
    expect(r.macroAuroc).toBe(r.perLabel[1]!.auroc);
  });
});

describe('auroc', () => {
  /** P(score of a positive > score of a negative) + ½ P(equal), by counting every pair. */
  function bruteForce(scores: number[], labels: number[]): number {
    let wins = 0;
    let pairs = 0;
    scores.forEach((sp, i) => {
      if (labels[i] !== 1) return;
      scores.forEach((sn, j) => {
        if (labels[j] !== 0) return;
        pairs++;
        wins += sp > sn ? 1 : sp === sn ? 0.5 : 0;
      });
    });
    return wins / pairs;
  }

  it('equals the brute-force pair count, ties included', () => {
    let state = 12345;
    const rand = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 20; trial++) {
      const n = 5 + Math.floor(rand() * 60);
      const scores = Array.from({ length: n }, () => Math.round(rand() * 8) / 8); // coarse: many ties
      const labels = Array.from({ length: n }, (_, i) => (i < 2 ? i : rand() < 0.4 ? 1 : 0));
      expect(auroc(scores, labels)).toBeCloseTo(bruteForce(scores, labels), 12);
    }
  });

  it('is 1 for a perfect ranking, 0 for a reversed one, NaN with one class', () => {
    expect(auroc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(auroc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
    expect(auroc([0.1, 0.2], [1, 1])).toBeNaN();
  });
});
