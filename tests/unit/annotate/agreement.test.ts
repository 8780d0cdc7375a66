import { describe, expect, it } from 'vitest';
import { agreementByLabel, compareAnnotators, type Rating } from '../../../src-main/annotate/agreement.js';
import { cohenKappa, fleissKappaOfRatings } from '../../../src-main/annotate/kappa.js';

const rate = (annotator: string, values: (string | null)[]): Rating[] =>
  values.flatMap((value, imageId) => (value === null ? [] : [{ annotator, imageId: imageId + 1, value }]));

describe('compareAnnotators', () => {
  // Image ids 1..6; null = not rated by that annotator.
  const ann = rate('ann', ['present', 'absent', 'absent', 'present', 'uncertain', null]);
  const bob = rate('bob', ['present', 'absent', 'present', 'present', 'absent', 'absent']);
  const cy = rate('cy', ['present', 'absent', 'absent', null, 'absent', 'present']);

  it('compares each pair on the images both rated and lists the disagreements', () => {
    const report = compareAnnotators([...cy, ...bob, ...ann]);
    expect(report.annotators).toEqual(['ann', 'bob', 'cy']);
    expect(report.pairs.map((p) => [p.annotators, p.items])).toEqual([
      [['ann', 'bob'], 5],
      [['ann', 'cy'], 4],
      [['bob', 'cy'], 5],
    ]);
    const annBob = report.pairs[0]!;
    expect(annBob.kappa).toBe(
      cohenKappa(['present', 'absent', 'absent', 'present', 'uncertain'], ['present', 'absent', 'present', 'present', 'absent']),
    );
    expect(annBob.percentAgreement).toBeCloseTo(3 / 5, 15);
    expect(report.disagreements).toEqual([
      { imageId: 3, values: [{ annotator: 'ann', value: 'absent' }, { annotator: 'bob', value: 'present' }, { annotator: 'cy', value: 'absent' }] },
      { imageId: 5, values: [{ annotator: 'ann', value: 'uncertain' }, { annotator: 'bob', value: 'absent' }, { annotator: 'cy', value: 'absent' }] },
      { imageId: 6, values: [{ annotator: 'bob', value: 'absent' }, { annotator: 'cy', value: 'present' }] },
    ]);
  });

  it("computes Fleiss' kappa over the images all three rated", () => {
    const group = compareAnnotators([...ann, ...bob, ...cy]).group!;
    expect(group.items).toBe(4); // images 1, 2, 3, 5
    expect(group.kappa).toBe(
      fleissKappaOfRatings([
        ['present', 'present', 'present'],
        ['absent', 'absent', 'absent'],
        ['absent', 'present', 'absent'],
        ['uncertain', 'absent', 'absent'],
      ]),
    );
    expect(group.percentAgreement).toBe(0.5);
  });

  it('has no group statistic for two annotators and null kappas with nothing shared', () => {
    const report = compareAnnotators([{ annotator: 1, imageId: 1, value: 0 }, { annotator: 2, imageId: 2, value: 1 }]);
    expect(report.group).toBeNull();
    expect(report.pairs).toEqual([{ annotators: [1, 2], items: 0, kappa: null, percentAgreement: null }]);
    expect(report.disagreements).toEqual([]);
  });

  it('refuses an annotator who rated the same image twice', () => {
    expect(() => compareAnnotators([...ann, { annotator: 'ann', imageId: 1, value: 'absent' }])).toThrow(/twice/);
  });
});

describe('agreementByLabel', () => {
  it('reports each label separately, in label order', () => {
    const out = agreementByLabel([
      { label: 'SRF', annotator: 'a', imageId: 1, value: 'absent' },
      { label: 'IRF', annotator: 'a', imageId: 1, value: 'present' },
      { label: 'IRF', annotator: 'b', imageId: 1, value: 'absent' },
      { label: 'SRF', annotator: 'b', imageId: 1, value: 'absent' },
    ]);
    expect(out.map((l) => [l.label, l.disagreements.length])).toEqual([
      ['IRF', 1],
      ['SRF', 0],
    ]);
    expect(out[1]!.pairs[0]!.kappa).toBeNull(); // one identical category: undefined
  });
});
