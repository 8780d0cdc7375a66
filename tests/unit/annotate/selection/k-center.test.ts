import { describe, expect, it } from 'vitest';
import { kCenterGreedy } from '../../../../src-main/annotate/selection/k-center.js';
import { createRng } from '../../../../src-main/random/rng.js';

/** Unit vectors at the given angles (degrees): on the unit circle the normalisation is a no-op. */
const circle = (degrees: number[]): Float32Array =>
  Float32Array.from(degrees.flatMap((a) => [Math.cos((a * Math.PI) / 180), Math.sin((a * Math.PI) / 180)]));
const chord = (degrees: number): number => 2 * Math.sin((degrees * Math.PI) / 360);

describe('kCenterGreedy', () => {
  //                 0   1    2   3    4    5
  const angles = [0, 10, 95, 180, 200, 250];

  it('picks the farthest point from everything labelled, in the expected order', () => {
    const picks = kCenterGreedy(circle(angles), 2, { budget: 5, labelled: [0] });
    // 180 is opposite 0; then 95 (85 deg from 180), 250 (70 from 180), 200 (20), 10 (10).
    expect(picks.map((p) => angles[p.index])).toEqual([180, 95, 250, 200, 10]);
    const expected = [180, 85, 70, 20, 10].map(chord);
    picks.forEach((p, k) => expect(p.distance).toBeCloseTo(expected[k]!, 5));
    expect(picks[0]!.reason).toBe('farthest from anything labelled or already chosen: distance 2.000');
  });

  it('starts a cold start from the point nearest the mean, or a seeded random one', () => {
    const central = kCenterGreedy(circle([0, 40, 45, 50, 80]), 2, { budget: 2 });
    expect(central.map((p) => p.index)).toEqual([2, 0]); // the mean points at 43.3 deg; then 0 (45 deg away; 80 is 35)
    expect(central[0]!.reason).toMatch(/nearest the mean feature/);
    const a = kCenterGreedy(circle(angles), 2, { budget: 3, firstPick: 'random', seed: 7 });
    const b = kCenterGreedy(circle(angles), 2, { budget: 3, firstPick: 'random', seed: 7 });
    expect(a).toEqual(b);
    expect(a[0]!.distance).toBeNull();
  });

  it('uses cosine geometry: scaling a row does not change the picks', () => {
    const x = circle(angles);
    const scaled = x.map((v, k) => v * (1 + Math.floor(k / 2)));
    expect(kCenterGreedy(scaled, 2, { budget: 4, labelled: [0] })).toEqual(kCenterGreedy(x, 2, { budget: 4, labelled: [0] }));
  });

  it('equals a brute-force greedy on random features', () => {
    const rng = createRng(3);
    const n = 300;
    const d = 17;
    const x = Float32Array.from({ length: n * d }, () => rng.normal());
    const unit = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      const norm = Math.hypot(...x.subarray(i * d, i * d + d));
      for (let j = 0; j < d; j++) unit[i * d + j] = x[i * d + j]! / norm;
    }
    const dist = (i: number, j: number): number => {
      let s = 0;
      for (let t = 0; t < d; t++) s += (unit[i * d + t]! - unit[j * d + t]!) ** 2;
      return Math.sqrt(s);
    };
    const centres = [5, 17];
    const expected: number[] = [];
    for (let b = 0; b < 10; b++) {
      let best = -1;
      let bestD = -1;
      for (let i = 0; i < n; i++) {
        if (centres.includes(i)) continue;
        const m = Math.min(...centres.map((c) => dist(i, c)));
        if (m > bestD) [best, bestD] = [i, m];
      }
      centres.push(best);
      expected.push(best);
    }
    expect(kCenterGreedy(x, d, { budget: 10, labelled: [5, 17] }).map((p) => p.index)).toEqual(expected);
  });

  it('asks the gate and takes the next farthest when it says no', () => {
    const closed = new Set([3]);
    const picks = kCenterGreedy(circle(angles), 2, {
      budget: 2,
      labelled: [0],
      gate: { allows: (i) => !closed.has(i), picked: () => {} },
    });
    expect(picks.map((p) => angles[p.index])).toEqual([200, 95]);
  });

  it('stops early when nothing is left, and refuses bad input', () => {
    expect(kCenterGreedy(circle([0, 90]), 2, { budget: 5, labelled: [1] }).length).toBe(1);
    expect(() => kCenterGreedy(circle([0, 90]), 2, { budget: 1, labelled: [2] })).toThrow(/not a row/);
    expect(() => kCenterGreedy(new Float32Array(5), 2, { budget: 1 })).toThrow(/multiple/);
    expect(() => kCenterGreedy(Float32Array.of(0, Number.NaN), 2, { budget: 1 })).toThrow(/NaN/);
  });
});
