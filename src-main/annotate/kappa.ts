/**
 * Chance-corrected agreement between raters: Cohen's kappa for two (Cohen 1960) and
 * Fleiss' kappa for three or more (Fleiss 1971), plus plain percent agreement.
 *
 * Both are equal to the references the fixtures were made with
 * (`tests/fixtures/annotate/make-agreement-reference.py`): scikit-learn's
 * `cohen_kappa_score(a, b)` and statsmodels' `fleiss_kappa(aggregate_raters(data)[0])`.
 * The arithmetic follows theirs step by step so the results agree to ~1e-15, not just
 * to a few digits.
 *
 * Undefined kappas are `null`, where the references give NaN: kappa is
 * (p_o − p_e) / (1 − p_e), and p_e = 1 exactly when every rating falls in one and the same
 * category (both raters said "absent" for every image). Agreement is then perfect but
 * carries no information beyond chance, so no number is honest; the UI shows "n/a".
 */
import { AnnotateInputError } from './errors.js';

/** A rating value: 'present' | 'absent' | 'uncertain', a class name, or an integer code. */
export type Category = string | number;

/** Index of each distinct value, in first-seen order (the order does not change kappa). */
function categoryIndex(values: Iterable<Category>): Map<Category, number> {
  const index = new Map<Category, number>();
  for (const v of values) if (!index.has(v)) index.set(v, index.size);
  return index;
}

/**
 * Cohen's kappa of two raters who rated the same items: `a[i]` and `b[i]` are the two
 * ratings of item i. Equal to sklearn's `cohen_kappa_score(a, b)` (unweighted); `null`
 * when it is undefined (no items, or both raters used a single identical category).
 */
export function cohenKappa(a: readonly Category[], b: readonly Category[]): number | null {
  if (a.length !== b.length) {
    throw new AnnotateInputError(`cohenKappa needs two ratings per item, got ${a.length} and ${b.length}`);
  }
  const n = a.length;
  if (n === 0) return null;
  const index = categoryIndex([...a, ...b]);
  const k = index.size;
  const confusion = new Float64Array(k * k);
  const rowSums = new Float64Array(k);
  const colSums = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const r = index.get(a[i] as Category) as number;
    const c = index.get(b[i] as Category) as number;
    confusion[r * k + c]! += 1;
    rowSums[r]! += 1;
    colSums[c]! += 1;
  }
  // sklearn: expected = outer(sum0, sum1) / sum(sum0); kappa = 1 - sum(w*C) / sum(w*E)
  // with w = 1 off the diagonal and 0 on it.
  let observedOff = 0;
  let expectedOff = 0;
  for (let r = 0; r < k; r++) {
    for (let c = 0; c < k; c++) {
      if (r === c) continue;
      observedOff += confusion[r * k + c]!;
      expectedOff += (rowSums[r]! * colSums[c]!) / n;
    }
  }
  if (expectedOff === 0) return null;
  return 1 - observedOff / expectedOff;
}

/**
 * Fleiss' kappa from a table of counts: `counts[i][j]` raters put item i in category j;
 * every row must sum to the same number of raters (≥ 2). Equal to statsmodels'
 * `fleiss_kappa(table, method='fleiss')`; `null` when undefined (no items, or all ratings
 * in one category).
 */
export function fleissKappa(counts: readonly (readonly number[])[]): number | null {
  const items = counts.length;
  if (items === 0) return null;
  const k = counts[0]!.length;
  const raters = counts[0]!.reduce((s, v) => s + v, 0);
  if (raters < 2) throw new AnnotateInputError(`fleissKappa needs at least 2 ratings per item, got ${raters}`);
  const categoryTotals = new Float64Array(k);
  let agreementSum = 0;
  for (const [i, row] of counts.entries()) {
    if (row.length !== k) throw new AnnotateInputError(`fleissKappa: row ${i} has ${row.length} categories, row 0 has ${k}`);
    let rowTotal = 0;
    let squares = 0;
    for (let j = 0; j < k; j++) {
      const v = row[j]!;
      if (!Number.isInteger(v) || v < 0) throw new AnnotateInputError(`fleissKappa: count [${i}][${j}] = ${v} is not a count`);
      rowTotal += v;
      squares += v * v;
      categoryTotals[j]! += v;
    }
    if (rowTotal !== raters) {
      throw new AnnotateInputError(`fleissKappa needs the same number of raters per item: row ${i} has ${rowTotal}, row 0 has ${raters}`);
    }
    // P_i: the share of rater pairs that agree on item i.
    agreementSum += (squares - raters) / (raters * (raters - 1));
  }
  const total = items * raters;
  let expected = 0;
  for (let j = 0; j < k; j++) {
    const p = categoryTotals[j]! / total;
    expected += p * p;
  }
  const observed = agreementSum / items;
  if (expected === 1) return null;
  return (observed - expected) / (1 - expected);
}

/**
 * The counts table of statsmodels' `aggregate_raters`: `ratings[i][r]` is rater r's rating
 * of item i (every item rated by every rater). Categories are the distinct values; columns
 * follow first-seen order, which does not change kappa.
 */
export function countRatings(ratings: readonly (readonly Category[])[]): { categories: Category[]; counts: number[][] } {
  const index = categoryIndex(ratings.flat());
  const counts = ratings.map((row) => {
    const out = new Array<number>(index.size).fill(0);
    for (const v of row) out[index.get(v) as number]! += 1;
    return out;
  });
  return { categories: [...index.keys()], counts };
}

/** Fleiss' kappa straight from ratings: `ratings[i][r]` is rater r's rating of item i. */
export function fleissKappaOfRatings(ratings: readonly (readonly Category[])[]): number | null {
  return fleissKappa(countRatings(ratings).counts);
}

/**
 * The share of items on which all raters gave the same value (`ratings[i]` are item i's
 * ratings); for two raters, plain percent agreement as a fraction in [0, 1]. `null` with
 * no items.
 */
export function percentAgreement(ratings: readonly (readonly Category[])[]): number | null {
  if (ratings.length === 0) return null;
  let same = 0;
  for (const row of ratings) if (row.every((v) => v === row[0])) same++;
  return same / ratings.length;
}
