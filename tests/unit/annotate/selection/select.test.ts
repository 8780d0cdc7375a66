import { describe, expect, it } from 'vitest';
import { AnnotateInputError } from '../../../../src-main/annotate/errors.js';
import { type SelectionCandidate } from '../../../../src-main/annotate/selection/constraints.js';
import { randomPicks } from '../../../../src-main/annotate/selection/random.js';
import { selectNext } from '../../../../src-main/annotate/selection/select.js';
import { blobs } from './blobs.js';

describe('randomPicks', () => {
  it('is a seeded draw without replacement that skips labelled rows', () => {
    const a = randomPicks(50, { budget: 10, seed: 3, labelled: [1, 2, 3] });
    expect(a).toEqual(randomPicks(50, { budget: 10, seed: 3, labelled: [1, 2, 3] }));
    expect(a.map((p) => p.index)).not.toEqual(randomPicks(50, { budget: 10, seed: 4, labelled: [1, 2, 3] }).map((p) => p.index));
    expect(new Set(a.map((p) => p.index)).size).toBe(10);
    expect(a.some((p) => [1, 2, 3].includes(p.index))).toBe(false);
    expect(a[0]!.reason).toBe('random baseline (seed 3)');
    expect(randomPicks(3, { budget: 10, seed: 1 })).toHaveLength(3);
  });
});

describe('selectNext', () => {
  // Blob 0 (rows 0-29) belongs to patients A and B; blob 1 (30-49) to C; blob 2 (50-59) to D.
  const { x, d } = blobs([30, 20, 10], 6, 0.05, 5);
  const patientOf = (i: number): string => (i < 30 ? (i % 2 ? 'B' : 'A') : i < 50 ? 'C' : 'D');
  const candidates: SelectionCandidate[] = Array.from({ length: 60 }, (_, i) => ({
    imageId: 1000 + i,
    patientId: patientOf(i),
    subset: patientOf(i) === 'D' ? 'test' : 'train',
  }));
  const base = { candidates, features: x, dim: d, labelled: [], seed: 1 };

  it('returns a ranked queue of image ids with reasons and scores', () => {
    const out = selectNext({ ...base, strategy: 'typiclust', budget: 3 });
    expect(out.map((s) => s.rank)).toEqual([1, 2, 3]);
    expect(out.every((s) => s.strategy === 'typiclust' && s.score! > 0 && s.imageId >= 1000)).toBe(true);
    expect(out.map((s) => patientOf(s.imageId - 1000)[0])).toEqual([expect.stringMatching(/A|B/), 'C', 'D']);
    expect(out[0]!.reason).toMatch(/unlabelled cluster of 30 images/);
  });

  it('stays in the train split with trainOnly', () => {
    for (const strategy of ['typiclust', 'k-center', 'random'] as const) {
      const out = selectNext({ ...base, strategy, budget: 6, trainOnly: true });
      expect(out.every((s) => candidates[s.imageId - 1000]!.subset === 'train')).toBe(true);
    }
  });

  it('takes at most one image per patient with onePerPatient', () => {
    for (const strategy of ['typiclust', 'k-center', 'random'] as const) {
      const out = selectNext({ ...base, strategy, budget: 10, onePerPatient: true });
      const patients = out.map((s) => patientOf(s.imageId - 1000));
      expect(patients.sort()).toEqual(['A', 'B', 'C', 'D']); // only four patients: the queue ends early
    }
  });

  it('does not exclude patients labelled in earlier rounds', () => {
    const out = selectNext({ ...base, strategy: 'random', budget: 10, onePerPatient: true, labelled: [0, 2, 4] }); // patient A
    expect(out.map((s) => patientOf(s.imageId - 1000)).sort()).toEqual(['A', 'B', 'C', 'D']);
  });

  it('allows images with no split only while no split exists', () => {
    const unsplit = candidates.map((c) => ({ ...c, subset: null }));
    expect(selectNext({ ...base, candidates: unsplit, strategy: 'random', budget: 60, trainOnly: true })).toHaveLength(60);
    const partly = candidates.map((c, i) => ({ ...c, subset: i === 0 ? null : c.subset }));
    const out = selectNext({ ...base, candidates: partly, strategy: 'random', budget: 60, trainOnly: true });
    expect(out).toHaveLength(49); // rows 1-49 are train; row 0 has no split, rows 50-59 are test
  });

  it('ranks by the classifier for entropy and margin', () => {
    const probabilities = candidates.map((_, i) => (i === 7 ? 0.5 : 0.1 + (i % 3) * 0.01));
    const out = selectNext({ ...base, strategy: 'entropy', budget: 2, probabilities, labels: 1, task: 'multi-label', labelNames: ['IRF'] });
    expect(out[0]).toEqual({ imageId: 1007, rank: 1, strategy: 'entropy', score: 1, reason: 'most uncertain: entropy 1.00 bits; closest label: IRF p = 0.50 (threshold 0.50)' });
    expect(selectNext({ ...base, strategy: 'margin', budget: 1, probabilities, labels: 1, task: 'multi-label' })[0]!.imageId).toBe(1007);
  });

  it('says what is missing', () => {
    expect(() => selectNext({ candidates, labelled: [], seed: 1, strategy: 'k-center', budget: 1 })).toThrow(/needs the DINO features/);
    expect(() => selectNext({ ...base, strategy: 'entropy', budget: 1 })).toThrow(AnnotateInputError);
    expect(() => selectNext({ ...base, dim: d + 1, strategy: 'typiclust', budget: 1 })).toThrow(/feature values for 60 candidates/);
  });
});
