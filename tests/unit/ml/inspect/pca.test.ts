import { describe, expect, it } from 'vitest';
import { fitPca, jacobiEigen, projectPca } from '../../../../src-main/ml/inspect/pca.js';
import { createRng } from '../../../../src-main/random/rng.js';

describe('PCA', () => {
  it('diagonalises a symmetric matrix: A·v = λ·v for every eigenpair, eigenvectors orthonormal', () => {
    const d = 6;
    const rng = createRng(1);
    const m = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = i; j < d; j++) m[i * d + j] = m[j * d + i] = rng.normal();
    const { values, vectors } = jacobiEigen(m, d);
    for (let c = 0; c < d; c++) {
      for (let i = 0; i < d; i++) {
        let av = 0;
        for (let j = 0; j < d; j++) av += m[i * d + j]! * vectors[j * d + c]!;
        expect(av).toBeCloseTo(values[c]! * vectors[i * d + c]!, 9);
      }
      for (let c2 = 0; c2 < d; c2++) {
        let dot = 0;
        for (let i = 0; i < d; i++) dot += vectors[i * d + c]! * vectors[i * d + c2]!;
        expect(dot).toBeCloseTo(c === c2 ? 1 : 0, 9);
      }
    }
  });

  it('finds the directions of largest variance, ordered, with a deterministic sign', () => {
    // Points spread 10× along (1, 1, 0)/√2 and 3× along (0, 0, 1), little elsewhere.
    const rng = createRng(7);
    const n = 2000;
    const rows = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) {
      const a = 10 * rng.normal();
      const b = 3 * rng.normal();
      const e = 0.1 * rng.normal();
      rows.set([a / Math.SQRT2 + e / Math.SQRT2 + 5, a / Math.SQRT2 - e / Math.SQRT2 - 2, b + 1], i * 3);
    }
    const pca = fitPca(rows, 3, 2);
    expect(Math.abs(pca.components[0]!)).toBeCloseTo(1 / Math.SQRT2, 2);
    expect(Math.abs(pca.components[1]!)).toBeCloseTo(1 / Math.SQRT2, 2);
    expect(Math.abs(pca.components[5]!)).toBeCloseTo(1, 2);
    expect(pca.variances[0]! / 100).toBeCloseTo(1, 1);
    expect(pca.variances[1]! / 9).toBeCloseTo(1, 1);
    expect(pca.components[0]!).toBeGreaterThan(0);
    const xy = projectPca(pca, rows);
    const meanX = xy.filter((_, i) => i % 2 === 0).reduce((s, v) => s + v, 0) / n;
    expect(Math.abs(meanX)).toBeLessThan(1e-3);
    expect(() => fitPca(rows, 3, 4)).toThrow(RangeError);
  });
});
