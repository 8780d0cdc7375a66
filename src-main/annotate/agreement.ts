/**
 * The agreement view's numbers: for one label, who agrees with whom (Cohen's kappa per pair
 * of annotators, Fleiss' kappa when there are three or more) and which images they disagree
 * on. Pure: the caller reads the ratings from the database and renders the result.
 *
 * Which items count: a pair is compared on the images *both* rated; the group (Fleiss) on the
 * images *all* annotators rated, as Fleiss' kappa needs a full table. An image rated by one
 * annotator only is in no statistic and is not a disagreement.
 */
import { AnnotateInputError } from './errors.js';
import { cohenKappa, fleissKappaOfRatings, percentAgreement, type Category } from './kappa.js';

export type AnnotatorKey = string | number;

/** One annotator's value for one image (for one label). */
export interface Rating {
  annotator: AnnotatorKey;
  imageId: number;
  value: Category;
}

/** A rating of a named label, for {@link agreementByLabel}. */
export interface LabelRating extends Rating {
  label: string | number;
}

export interface PairAgreement {
  /** The two annotators, in the report's annotator order. */
  annotators: [AnnotatorKey, AnnotatorKey];
  /** Images both rated. */
  items: number;
  /** Cohen's kappa; null when undefined (no shared image, or one category throughout). */
  kappa: number | null;
  /** Fraction of shared images with the same value; null with none. */
  percentAgreement: number | null;
}

export interface GroupAgreement {
  annotators: AnnotatorKey[];
  /** Images every annotator rated. */
  items: number;
  /** Fleiss' kappa; null when undefined (no such image, or one category throughout). */
  kappa: number | null;
  /** Fraction of those images on which all annotators agree. */
  percentAgreement: number | null;
}

export interface Disagreement {
  imageId: number;
  /** Each annotator who rated the image, in the report's annotator order. */
  values: { annotator: AnnotatorKey; value: Category }[];
}

export interface AgreementReport {
  /** Annotators in a stable order: numbers ascending, then strings in code-unit order. */
  annotators: AnnotatorKey[];
  /** Every pair of annotators, (0,1), (0,2), …, (1,2), … */
  pairs: PairAgreement[];
  /** Fleiss' kappa over all annotators; null with fewer than three. */
  group: GroupAgreement | null;
  /** Images rated by at least two annotators with at least two different values, by id. */
  disagreements: Disagreement[];
}

export interface LabelAgreement extends AgreementReport {
  label: string | number;
}

function compareKeys(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Agreement between the annotators of one label. Throws if someone rated an image twice. */
export function compareAnnotators(ratings: readonly Rating[]): AgreementReport {
  // image id -> annotator -> value
  const byImage = new Map<number, Map<AnnotatorKey, Category>>();
  const annotatorSet = new Set<AnnotatorKey>();
  for (const r of ratings) {
    annotatorSet.add(r.annotator);
    let values = byImage.get(r.imageId);
    if (!values) byImage.set(r.imageId, (values = new Map()));
    if (values.has(r.annotator)) {
      throw new AnnotateInputError(`annotator ${String(r.annotator)} rated image ${r.imageId} twice`);
    }
    values.set(r.annotator, r.value);
  }
  const annotators = [...annotatorSet].sort(compareKeys);
  const imageIds = [...byImage.keys()].sort((a, b) => a - b);

  const pairs: PairAgreement[] = [];
  for (let i = 0; i < annotators.length; i++) {
    for (let j = i + 1; j < annotators.length; j++) {
      const ai = annotators[i]!;
      const aj = annotators[j]!;
      const a: Category[] = [];
      const b: Category[] = [];
      for (const id of imageIds) {
        const values = byImage.get(id)!;
        if (values.has(ai) && values.has(aj)) {
          a.push(values.get(ai)!);
          b.push(values.get(aj)!);
        }
      }
      const rows = a.map((v, k) => [v, b[k]!]);
      pairs.push({ annotators: [ai, aj], items: a.length, kappa: cohenKappa(a, b), percentAgreement: percentAgreement(rows) });
    }
  }

  let group: GroupAgreement | null = null;
  if (annotators.length >= 3) {
    const rows: Category[][] = [];
    for (const id of imageIds) {
      const values = byImage.get(id)!;
      if (values.size === annotators.length) rows.push(annotators.map((a) => values.get(a)!));
    }
    group = { annotators, items: rows.length, kappa: fleissKappaOfRatings(rows), percentAgreement: percentAgreement(rows) };
  }

  const disagreements: Disagreement[] = [];
  for (const id of imageIds) {
    const values = byImage.get(id)!;
    if (values.size < 2 || new Set(values.values()).size < 2) continue;
    disagreements.push({
      imageId: id,
      values: annotators.filter((a) => values.has(a)).map((a) => ({ annotator: a, value: values.get(a)! })),
    });
  }
  return { annotators, pairs, group, disagreements };
}

/** {@link compareAnnotators} for each label, in label order. */
export function agreementByLabel(ratings: readonly LabelRating[]): LabelAgreement[] {
  const byLabel = new Map<string | number, Rating[]>();
  for (const r of ratings) {
    let list = byLabel.get(r.label);
    if (!list) byLabel.set(r.label, (list = []));
    list.push(r);
  }
  return [...byLabel.keys()].sort(compareKeys).map((label) => ({ label, ...compareAnnotators(byLabel.get(label)!) }));
}
