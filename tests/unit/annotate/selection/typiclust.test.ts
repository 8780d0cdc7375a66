import { describe, expect, it } from 'vitest';
import { normalizedFeatures } from '../../../../src-main/annotate/selection/features.js';
import { kMeans } from '../../../../src-main/annotate/selection/kmeans.js';
import { TYPICALITY_EPSILON, typicalities } from '../../../../src-main/annotate/selection/typicality.js';
import { typiClust } from '../../../../src-main/annotate/selection/typiclust.js';
import { blobs, centralityRank } from './blobs.js';

describe('typicalities', () => {
  it('is 1 / (mean distance to the K nearest others + 1e-5)', () => {
    const x = Float32Array.of(0, 1, 2, 10); // 1-D points
    const t = typicalities(x, 1, [0, 1, 2, 3], [0, 1, 2, 3], 2);
    const expected = [1.5, 1, 1.5, 8.5].map((m) => 1 / (m + TYPICALITY_EPSILON));
    t.forEach((v, k) => expect(v).toBeCloseTo(expected[k]!, 10));
    // Fewer neighbours than K: the mean over those there are.
    expect(typicalities(x, 1, [3], [2, 3], 5)[0]).toBeCloseTo(1 / (8 + TYPICALITY_EPSILON), 10);
  });
});

describe('kMeans', () => {
  it('recovers well-separated blobs, also when fitted on a sample', () => {
    const { x, blob, d } = blobs([60, 40, 20], 8, 0.05, 1);
    const { data, n } = normalizedFeatures(x, d);
    for (const sampleSize of [10_000, 30]) {
      const r = kMeans(data, n, d, { k: 3, seed: 4, sampleSize });
      expect([...r.sizes].sort((a, b) => b - a)).toEqual([60, 40, 20]);
      for (let i = 0; i < n; i++) expect(r.assignment[i]).toBe(r.assignment[blob.indexOf(blob[i]!)]);
    }
    expect(kMeans(data, n, d, { k: 3, seed: 4 })).toEqual(kMeans(data, n, d, { k: 3, seed: 4 }));
  });
});

describe('typiClust', () => {
  const { x, blob, d } = blobs([60, 40, 20], 8, 0.05, 2);

  it('picks one image per blob, largest blob first, each near its blob centre', () => {
    const picks = typiClust(x, d, { budget: 3, seed: 1 });
    expect(picks.map((p) => blob[p.index])).toEqual([0, 1, 2]);
    expect(picks.map((p) => p.clusterSize)).toEqual([60, 40, 20]);
    for (const p of picks) expect(centralityRank(x, d, blob, p.index)).toBeLessThan(p.clusterSize / 4);
    expect(picks[0]!.reason).toMatch(/^most typical image of an unlabelled cluster of 60 images; typicality \d+\.\d\d$/);
  });

  it('skips clusters the labelled set already covers', () => {
    const picks = typiClust(x, d, { budget: 2, labelled: [3], seed: 1 }); // row 3 is in blob 0
    expect(picks.map((p) => blob[p.index])).toEqual([1, 2]);
  });

  it('takes the next most typical image when the gate refuses the first', () => {
    const first = typiClust(x, d, { budget: 1, seed: 1 })[0]!;
    const second = typiClust(x, d, { budget: 1, seed: 1, gate: { allows: (i) => i !== first.index, picked: () => {} } })[0]!;
    expect(blob[second.index]).toBe(0);
    expect(second.index).not.toBe(first.index);
    expect(second.typicality).toBeLessThanOrEqual(first.typicality);
  });

  it('gives the same picks when large clusters are sampled for typicality', () => {
    const picks = typiClust(x, d, { budget: 3, seed: 1, maxTypicalityRows: 15 });
    expect(picks.map((p) => blob[p.index])).toEqual([0, 1, 2]);
    for (const p of picks) expect(centralityRank(x, d, blob, p.index)).toBeLessThan(p.clusterSize / 2);
  });

  it('keeps picking from covered clusters when the budget exceeds the uncovered ones', () => {
    const picks = typiClust(x, d, { budget: 5, seed: 1, maxClusters: 3 });
    expect(picks.map((p) => p.covered)).toEqual([0, 0, 0, 1, 1]);
    expect(new Set(picks.map((p) => p.index)).size).toBe(5);
    expect(picks[3]!.reason).toMatch(/already has 1 labelled or chosen/);
  });

  it('copes with fewer distinct rows than clusters and with zero rows', () => {
    const same = Float32Array.from({ length: 4 * 3 }, (_, k) => (k % 3 === 0 ? 1 : 0)); // four identical rows
    const picks = typiClust(same, 3, { budget: 3, seed: 1 });
    expect(new Set(picks.map((p) => p.index)).size).toBe(3);
    for (const p of picks) expect(Number.isFinite(p.typicality)).toBe(true);
    expect(typiClust(new Float32Array(6), 3, { budget: 5, seed: 1 })).toHaveLength(2);
  });

  it('is deterministic for a seed', () => {
    expect(typiClust(x, d, { budget: 3, seed: 9 })).toEqual(typiClust(x, d, { budget: 3, seed: 9 }));
  });
});
