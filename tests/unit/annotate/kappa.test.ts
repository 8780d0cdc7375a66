import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AnnotateInputError } from '../../../src-main/annotate/errors.js';
import {
  cohenKappa,
  countRatings,
  fleissKappa,
  fleissKappaOfRatings,
  percentAgreement,
  type Category,
} from '../../../src-main/annotate/kappa.js';

/** Written by tests/fixtures/annotate/make-agreement-reference.py (sklearn 1.2.1, statsmodels 0.13.5). */
interface Reference {
  cohen: { name: string; a: Category[]; b: Category[]; kappa: number | null; percent: number }[];
  fleiss: { name: string; ratings: Category[][]; kappa: number | null; percent: number }[];
}
const reference = JSON.parse(
  readFileSync(new URL('../../fixtures/annotate/agreement-reference.json', import.meta.url), 'utf8'),
) as Reference;

function expectClose(actual: number | null, expected: number | null): void {
  if (expected === null) expect(actual).toBeNull();
  else expect(Math.abs((actual as number) - expected)).toBeLessThan(1e-12);
}

describe("Cohen's kappa", () => {
  it.each(reference.cohen.map((c) => [c.name, c] as const))('equals sklearn cohen_kappa_score: %s', (_, c) => {
    expectClose(cohenKappa(c.a, c.b), c.kappa);
    expectClose(percentAgreement(c.a.map((v, i) => [v, c.b[i]!])), c.percent);
  });

  it('is null, not NaN, when both raters use one identical category', () => {
    expect(cohenKappa(['absent', 'absent'], ['absent', 'absent'])).toBeNull();
    expect(cohenKappa([], [])).toBeNull();
  });

  it('is 1 for perfect agreement and does not depend on category order', () => {
    expect(cohenKappa(['a', 'b', 'a'], ['a', 'b', 'a'])).toBe(1);
    const a = ['present', 'absent', 'absent', 'uncertain', 'present'];
    const b = ['present', 'present', 'absent', 'absent', 'present'];
    expectClose(cohenKappa([...a].reverse(), [...b].reverse()), cohenKappa(a, b));
  });

  it('refuses ratings of different lengths', () => {
    expect(() => cohenKappa(['a'], ['a', 'b'])).toThrow(AnnotateInputError);
  });
});

describe("Fleiss' kappa", () => {
  it.each(reference.fleiss.map((c) => [c.name, c] as const))(
    'equals statsmodels fleiss_kappa(aggregate_raters(...)[0]): %s',
    (_, c) => {
      expectClose(fleissKappaOfRatings(c.ratings), c.kappa);
      expectClose(percentAgreement(c.ratings), c.percent);
    },
  );

  it('reproduces the Wikipedia worked example by hand (P = 0.378, Pe = 0.213, kappa = 0.210)', () => {
    const table = [
      [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
      [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
    ];
    // P_i = (sum n_ij^2 - 14) / (14 * 13): row 2 is (4+36+16+4 - 14) / 182 = 0.253.
    // p_j = column totals / 140 = 0.143, 0.200, 0.279, 0.150, 0.229.
    const P = (1 + 0.253 + 0.308 + 0.44 + 0.33 + 0.462 + 0.242 + 0.176 + 0.286 + 0.286) / 10;
    const Pe = [20, 28, 39, 21, 32].reduce((s, t) => s + (t / 140) ** 2, 0);
    expect(P).toBeCloseTo(0.378, 3);
    expect(Pe).toBeCloseTo(0.213, 3);
    expect(fleissKappa(table)).toBeCloseTo(0.21, 3);
    expect(fleissKappa(table)).toBeCloseTo((P - Pe) / (1 - Pe), 3);
  });

  it('counts ratings into the aggregate_raters table', () => {
    expect(countRatings([['a', 'b', 'a'], ['b', 'b', 'b']])).toEqual({ categories: ['a', 'b'], counts: [[2, 1], [0, 3]] });
  });

  it('refuses rows with different numbers of raters and non-counts', () => {
    expect(() => fleissKappa([[2, 1], [1, 1]])).toThrow(/same number of raters/);
    expect(() => fleissKappa([[1.5, 1.5]])).toThrow(AnnotateInputError);
    expect(fleissKappa([])).toBeNull();
  });
});
