/** Logits → probabilities, binary columns, and the model-selection macro AUROC (vs metrics' rocAuc). */
import { describe, expect, it } from 'vitest';
import { binaryColumns, macroAuroc, toProbabilities } from '../../../../src-main/ml/finetune/scoring.js';
import { rocAuc } from '../../../../src-main/ml/metrics/binary.js';

describe('toProbabilities', () => {
  it('multi-label: an elementwise sigmoid', () => {
    const z = Float32Array.from([0, 2, -3, 0.5, 40, -40]);
    const p = toProbabilities(z, 3, 'multi_label');
    z.forEach((v, i) => expect(p[i]).toBeCloseTo(1 / (1 + Math.exp(-v)), 6));
    expect(p[4]).toBeCloseTo(1, 6);
    expect(p[5]).toBeGreaterThanOrEqual(0);
  });

  it('single-label: a softmax per row, rows sum to 1, stable for large logits', () => {
    const z = Float32Array.from([1, 2, 3, 1000, 999, -1000, -800, -801, -802]);
    const p = toProbabilities(z, 3, 'single_label');
    for (let r = 0; r < 3; r++) {
      const row = Array.from(p.subarray(r * 3, r * 3 + 3));
      row.forEach((x) => expect(Number.isFinite(x)).toBe(true));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    }
    const e = [Math.exp(1), Math.exp(2), Math.exp(3)];
    const sum = e[0]! + e[1]! + e[2]!;
    e.forEach((x, c) => expect(p[c]).toBeCloseTo(x / sum, 6));
    // Shift-invariant: only the gaps between a row's logits matter, even at ±1000.
    expect(p[3]).toBeCloseTo(1 / (1 + Math.exp(-1)), 6);
    expect(p[5]).toBe(0);
    expect(p[6]).toBeCloseTo(Math.exp(0) / (1 + Math.exp(-1) + Math.exp(-2)), 6);
  });
});

describe('binaryColumns', () => {
  it('multi-label truth is returned as is', () => {
    const t = Int8Array.from([1, 0, -1, 0]);
    expect(binaryColumns(t, 2, 'multi_label')).toBe(t);
  });

  it('single-label: one-vs-rest columns, an unknown class (−1) unknown in every column', () => {
    expect(Array.from(binaryColumns(Int32Array.from([2, 0, -1]), 3, 'single_label'))).toEqual([0, 0, 1, 1, 0, 0, -1, -1, -1]);
  });
});

describe('macroAuroc', () => {
  it('multi-label: mean of rocAuc over labels with both classes, unknown entries skipped', () => {
    // 6 images × 3 labels; label 2 has only positives among its known entries → excluded.
    const probs = Float32Array.from([0.9, 0.1, 0.5, 0.2, 0.8, 0.4, 0.7, 0.3, 0.6, 0.4, 0.6, 0.9, 0.1, 0.9, 0.2, 0.6, 0.2, 0.3]);
    const truth = Int8Array.from([1, 0, 1, 0, 1, -1, 1, -1, 1, 0, 0, -1, 0, 1, 1, 1, 0, 1]);
    const col = (l: number): { s: number[]; t: number[] } => {
      const s: number[] = [];
      const t: number[] = [];
      for (let i = 0; i < 6; i++) {
        if (truth[i * 3 + l]! < 0) continue;
        s.push(probs[i * 3 + l]!);
        t.push(truth[i * 3 + l]!);
      }
      return { s, t };
    };
    const a0 = rocAuc(col(0).s, col(0).t)!;
    const a1 = rocAuc(col(1).s, col(1).t)!;
    expect(macroAuroc(probs, truth, 3, 'multi_label')).toBeCloseTo((a0 + a1) / 2, 10);
  });

  it('single-label: one-vs-rest per class', () => {
    const probs = Float32Array.from([0.7, 0.2, 0.1, 0.3, 0.3, 0.4, 0.2, 0.5, 0.3, 0.6, 0.1, 0.3, 0.1, 0.1, 0.8]);
    const classes = Int32Array.from([0, 2, 1, 1, 2]);
    const aucs = [0, 1, 2].map((c) => rocAuc(Array.from({ length: 5 }, (_, i) => probs[i * 3 + c]!), Array.from(classes, (k) => (k === c ? 1 : 0)))!);
    expect(macroAuroc(probs, classes, 3, 'single_label')).toBeCloseTo((aucs[0]! + aucs[1]! + aucs[2]!) / 3, 10);
  });

  it('is null when no output has both classes', () => {
    expect(macroAuroc(Float32Array.from([0.2, 0.9]), Int8Array.from([1, 1]), 1, 'multi_label')).toBeNull();
    expect(macroAuroc(Float32Array.from([0.2, 0.9]), Int8Array.from([-1, -1]), 1, 'multi_label')).toBeNull();
  });
});
