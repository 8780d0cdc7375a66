import { describe, expect, it } from 'vitest';
import { activeFilterCount, EMPTY_FILTERS, splitKey, toImageFilter } from '../../../renderer/src/lib/state/image-filter.js';

describe('toImageFilter', () => {
  it('sends no condition for an empty form', () => {
    expect(toImageFilter(EMPTY_FILTERS)).toEqual({});
    expect(activeFilterCount(EMPTY_FILTERS)).toBe(0);
  });

  it('translates every field of the form', () => {
    const filter = toImageFilter({
      patient: 'P07',
      eye: 'OS',
      visit: 'W12',
      split: splitKey(3, 'val'),
      label: '12',
      labelValue: 'uncertain',
      errorsOnly: true,
    });
    expect(filter).toEqual({ patient: 'P07', eye: 'OS', visit: 'W12', status: 'error', split: { id: 3, subset: 'val' }, label: { id: 12, value: 'uncertain' } });
  });

  it('ignores a label value without a label, and malformed select values', () => {
    expect(toImageFilter({ ...EMPTY_FILTERS, labelValue: 'absent' })).toEqual({});
    expect(toImageFilter({ ...EMPTY_FILTERS, split: '3:holdout', label: 'x' })).toEqual({});
    expect(toImageFilter({ ...EMPTY_FILTERS, label: '0' })).toEqual({});
  });

  it('asks for unlabelled images with the "unknown" value', () => {
    expect(toImageFilter({ ...EMPTY_FILTERS, label: '4', labelValue: 'unknown' })).toEqual({ label: { id: 4, value: 'unknown' } });
  });

  it('counts the filters in use', () => {
    expect(activeFilterCount({ ...EMPTY_FILTERS, eye: 'OD', errorsOnly: true })).toBe(2);
  });
});
