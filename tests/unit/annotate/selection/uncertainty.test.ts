import { describe, expect, it } from 'vitest';
import { mostUncertain, uncertaintyScores } from '../../../../src-main/annotate/selection/uncertainty.js';

const H2 = (p: number): number => -(p * Math.log2(p) + (1 - p) * Math.log2(1 - p));

describe('uncertaintyScores', () => {
  it('sums binary entropies and takes the smallest distance to a threshold for multi-label', () => {
    const s = uncertaintyScores([0.9, 0.49, 0.0, 0.2, 0.6, 1.0], 3, 'multi-label', [0.5, 0.5, 0.3]);
    expect(s.entropy[0]).toBeCloseTo(H2(0.9) + H2(0.49), 12); // p = 0 contributes 0
    expect(s.entropy[1]).toBeCloseTo(H2(0.2) + H2(0.6), 12);
    expect([...s.margin].map((m) => +m.toFixed(12))).toEqual([0.01, 0.1]);
    expect([...s.first]).toEqual([1, 1]); // row 1: |0.2 - 0.5| = 0.3, |0.6 - 0.5| = 0.1, |1 - 0.3| = 0.7
  });

  it('uses categorical entropy and top-1 minus top-2 for single-label', () => {
    const s = uncertaintyScores([0.5, 0.3, 0.2, 0.1, 0.1, 0.8], 3, 'single-label');
    expect(s.entropy[0]).toBeCloseTo(-(0.5 * Math.log2(0.5) + 0.3 * Math.log2(0.3) + 0.2 * Math.log2(0.2)), 12);
    expect(s.margin[0]).toBeCloseTo(0.2, 12);
    expect(s.margin[1]).toBeCloseTo(0.7, 12);
    expect([...s.first, ...s.second]).toEqual([0, 2, 1, 0]);
  });

  it('refuses probabilities outside [0, 1], NaN and softmax rows that do not sum to 1', () => {
    expect(() => uncertaintyScores([1.2], 1, 'multi-label')).toThrow(/not in \[0, 1\]/);
    expect(() => uncertaintyScores([Number.NaN], 1, 'multi-label')).toThrow(/not in \[0, 1\]/);
    expect(() => uncertaintyScores([0.6, 0.6], 2, 'single-label')).toThrow(/sums to/);
    expect(() => uncertaintyScores([0.5, 0.5, 0.5], 2, 'multi-label')).toThrow(/multiple/);
  });
});

describe('mostUncertain', () => {
  // Four images, two labels (IRF, SRF).
  const probs = [0.95, 0.02, 0.49, 0.9, 0.7, 0.6, 0.5, 0.5];

  it('ranks by entropy (highest first) and says why', () => {
    const picks = mostUncertain(probs, { budget: 4, task: 'multi-label', measure: 'entropy', labels: 2, labelNames: ['IRF', 'SRF'] });
    expect(picks.map((p) => p.index)).toEqual([3, 2, 1, 0]);
    expect(picks[0]!.score).toBeCloseTo(2, 12);
    expect(picks[1]!.reason).toBe(`most uncertain: entropy ${(H2(0.7) + H2(0.6)).toFixed(2)} bits; closest label: SRF p = 0.60 (threshold 0.50)`);
  });

  it('ranks by margin (smallest first), skips labelled rows and obeys the gate', () => {
    const picks = mostUncertain(probs, {
      budget: 2,
      task: 'multi-label',
      measure: 'margin',
      labels: 2,
      labelled: [3],
      gate: { allows: (i) => i !== 2, picked: () => {} },
    });
    expect(picks.map((p) => p.index)).toEqual([1, 0]); // margins: 0.45, 0.01, 0.1, 0
    expect(picks[0]!.reason).toBe('most uncertain: margin 0.01; closest label: label 0 p = 0.49 (threshold 0.50)');
  });

  it('names the top two classes for single-label', () => {
    const picks = mostUncertain([0.4, 0.35, 0.25, 0.9, 0.05, 0.05], { budget: 1, task: 'single-label', measure: 'margin', labels: 3, labelNames: ['CNV', 'DME', 'Normal'] });
    expect(picks[0]!.reason).toBe('most uncertain: margin 0.05; top two: CNV p = 0.40, DME p = 0.35');
  });
});
