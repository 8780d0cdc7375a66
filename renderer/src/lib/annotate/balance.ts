/**
 * Budget and balance: whether each label has enough positives to train on and to evaluate, from
 * the per-label counts of the values training uses. The thresholds are rules of thumb, stated
 * with their reason where they are shown.
 */
import type { LabelSetStats } from './types.js';

/** Below this many positive images a classifier has too few examples and an AUROC on a held-out set is mostly noise. */
export const MIN_POSITIVES = 10;
/** Below this many negatives the same holds the other way round. */
export const MIN_NEGATIVES = 10;
/** A patient split needs positives in training, validation and test: at least one patient each. */
export const MIN_POSITIVE_PATIENTS = 3;

export interface LabelBalance {
  id: number;
  name: string;
  positive: number;
  negative: number;
  uncertain: number;
  unknown: number;
  positivePatients: number;
  /** Share of the labelled (present or absent) images that are positive; null with none. */
  prevalence: number | null;
  warning: string | null;
}

export function labelBalance(stats: LabelSetStats): LabelBalance[] {
  return stats.labels.map((l) => {
    const known = l.positive + l.negative;
    let warning: string | null = null;
    if (l.positive < MIN_POSITIVES) {
      warning = `Only ${l.positive} positive image${l.positive === 1 ? '' : 's'}: at least ${MIN_POSITIVES} are needed to train a classifier and to estimate its AUROC (with a patient split, some land in validation and test).`;
    } else if (l.negative < MIN_NEGATIVES) {
      warning = `Only ${l.negative} negative image${l.negative === 1 ? '' : 's'}: at least ${MIN_NEGATIVES} are needed for a meaningful specificity and AUROC.`;
    } else if (l.positivePatients < MIN_POSITIVE_PATIENTS) {
      warning = `Its positives in only ${l.positivePatients} patient${l.positivePatients === 1 ? '' : 's'}: a patient split cannot give training, validation and test one each; label positives of other patients.`;
    }
    return { id: l.id, name: l.name, positive: l.positive, negative: l.negative, uncertain: l.uncertain, unknown: l.unknown, positivePatients: l.positivePatients, prevalence: known > 0 ? l.positive / known : null, warning };
  });
}

export const SOURCE_NAMES: Record<string, string> = {
  adjudication: 'adjudicated',
  human: 'human labels',
  import: 'imported labels',
  model: 'model predictions',
};
