import { describe, expect, it } from 'vitest';
import { assignPatients, SplitError, type Subset } from '../../../src-main/project/splits.js';

const FRACTIONS = { train: 0.7, val: 0.15, test: 0.15 };

function patients(n: number, positivesOf: (i: number) => number[] = () => []) {
  return Array.from({ length: n }, (_, i) => ({ id: i + 1, positives: new Set(positivesOf(i)) }));
}

function countBy(assignment: Map<number, Subset>, ids?: Set<number>): Record<Subset, number> {
  const counts = { train: 0, val: 0, test: 0 };
  for (const [id, subset] of assignment) if (!ids || ids.has(id)) counts[subset]++;
  return counts;
}

describe('assignPatients (split by patient)', () => {
  it('assigns every patient exactly once, in the requested shares', () => {
    const assignment = assignPatients(patients(100), FRACTIONS, 1);
    expect(assignment.size).toBe(100);
    expect(countBy(assignment)).toEqual({ train: 70, val: 15, test: 15 });
  });

  it('is reproducible from its seed and changes with it', () => {
    const a = assignPatients(patients(50), FRACTIONS, 7);
    const b = assignPatients(patients(50), FRACTIONS, 7);
    const c = assignPatients(patients(50), FRACTIONS, 8);
    expect([...a]).toEqual([...b]);
    expect([...a]).not.toEqual([...c]);
  });

  it('spreads a rare label over every subset (stratified)', () => {
    // 10 of 100 patients carry rare label 1; 40 carry common label 2.
    const rare = new Set(Array.from({ length: 10 }, (_, i) => i * 10 + 1));
    const cohort = patients(100, (i) => [...(rare.has(i + 1) ? [1] : []), ...(i % 5 < 2 ? [2] : [])]);
    for (const seed of [1, 2, 3, 4, 5]) {
      const assignment = assignPatients(cohort, FRACTIONS, seed);
      const rareCounts = countBy(assignment, rare);
      expect(rareCounts.val, `seed ${seed}`).toBeGreaterThanOrEqual(1);
      expect(rareCounts.test, `seed ${seed}`).toBeGreaterThanOrEqual(1);
      expect(rareCounts.train, `seed ${seed}`).toBeGreaterThanOrEqual(6);
      expect(countBy(assignment)).toEqual({ train: 70, val: 15, test: 15 });
    }
  });

  it('keeps at least one patient in validation and test for small cohorts', () => {
    expect(countBy(assignPatients(patients(4), FRACTIONS, 1))).toEqual({ train: 2, val: 1, test: 1 });
  });

  it('refuses fractions that do not sum to 1', () => {
    expect(() => assignPatients(patients(10), { train: 0.8, val: 0.15, test: 0.15 }, 1)).toThrow(SplitError);
  });
});
