/**
 * The dataset browser's filter form and its translation to the core's `ImageFilter`. The form
 * holds what the <select>s hold (strings, '' for "any"); only set fields reach the query.
 */
import type { ImageFilter } from '../../../../src-main/api/types.js';

export type LabelValue = 'present' | 'absent' | 'uncertain' | 'unknown';
export type Subset = 'train' | 'val' | 'test';

export const LABEL_VALUES: readonly LabelValue[] = ['present', 'absent', 'uncertain', 'unknown'];
export const SUBSETS: readonly Subset[] = ['train', 'val', 'test'];

export interface FilterForm {
  patient: string;
  eye: '' | 'OD' | 'OS';
  visit: string;
  /** `<split id>:<subset>`, or '' for any. */
  split: string;
  /** A label id, or '' for any. */
  label: string;
  labelValue: LabelValue;
  /** Only the files that failed to import (each shows its reason). */
  errorsOnly: boolean;
}

export const EMPTY_FILTERS: Readonly<FilterForm> = Object.freeze({
  patient: '',
  eye: '',
  visit: '',
  split: '',
  label: '',
  labelValue: 'present',
  errorsOnly: false,
});

export function splitKey(id: number, subset: Subset): string {
  return `${id}:${subset}`;
}

function parseSplit(key: string): ImageFilter['split'] {
  const match = /^(\d+):(train|val|test)$/.exec(key);
  return match ? { id: Number(match[1]), subset: match[2] as Subset } : undefined;
}

function parseId(text: string): number | undefined {
  const id = Number(text);
  return text !== '' && Number.isInteger(id) && id > 0 ? id : undefined;
}

export function toImageFilter(form: FilterForm): ImageFilter {
  const filter: ImageFilter = {};
  if (form.patient) filter.patient = form.patient;
  if (form.eye) filter.eye = form.eye;
  if (form.visit) filter.visit = form.visit;
  if (form.errorsOnly) filter.status = 'error';
  const split = parseSplit(form.split);
  if (split) filter.split = split;
  const labelId = parseId(form.label);
  if (labelId !== undefined) filter.label = { id: labelId, value: form.labelValue };
  return filter;
}

/** How many filters narrow the list (for the "Clear filters (n)" button). */
export function activeFilterCount(form: FilterForm): number {
  return Object.keys(toImageFilter(form)).length;
}

