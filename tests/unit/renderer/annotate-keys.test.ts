import { describe, expect, it } from 'vitest';
import { applyWrites, commandFor, writesFor } from '../../../renderer/src/lib/annotate/keys.js';
import { labelBalance } from '../../../renderer/src/lib/annotate/balance.js';
import { clickSelect, EMPTY_SELECTION, selectAll } from '../../../renderer/src/lib/annotate/selection.js';

const labels = (...values: ('present' | 'absent' | 'uncertain' | null)[]) => values.map((value, i) => ({ labelId: 10 + i, value }));

describe('the labelling keys', () => {
  it('maps keys to commands, and leaves other modifiers alone', () => {
    expect(commandFor({ key: '3' })).toEqual({ type: 'toggle', index: 2 });
    expect(commandFor({ key: '0' })).toEqual({ type: 'none' });
    expect(commandFor({ key: 'u' })).toEqual({ type: 'uncertain' });
    expect(commandFor({ key: 'Enter' })).toEqual({ type: 'next' });
    expect(commandFor({ key: 'ArrowRight' })).toEqual({ type: 'next' });
    expect(commandFor({ key: 'ArrowLeft' })).toEqual({ type: 'prev' });
    expect(commandFor({ key: 'S' })).toEqual({ type: 'skip' });
    expect(commandFor({ key: 'z', ctrlKey: true })).toEqual({ type: 'undo' });
    expect(commandFor({ key: 'z', metaKey: true })).toEqual({ type: 'undo' });
    expect(commandFor({ key: 'PageDown' })).toEqual({ type: 'slice', delta: 1 });
    expect(commandFor({ key: '1', ctrlKey: true })).toBeNull();
    expect(commandFor({ key: '1', altKey: true })).toBeNull();
    expect(commandFor({ key: 'q' })).toBeNull();
  });

  it('toggles present/absent in a multi-label set and chooses the class in a single-label one', () => {
    expect(writesFor({ type: 'toggle', index: 1 }, 'multi_label', labels(null, null), null)).toEqual([{ labelId: 11, value: 'present' }]);
    expect(writesFor({ type: 'toggle', index: 1 }, 'multi_label', labels(null, 'present'), null)).toEqual([{ labelId: 11, value: 'absent' }]);
    expect(writesFor({ type: 'toggle', index: 0 }, 'multi_label', labels('uncertain'), null)).toEqual([{ labelId: 10, value: 'present' }]);
    expect(writesFor({ type: 'toggle', index: 5 }, 'multi_label', labels(null), null)).toEqual([]);
    expect(writesFor({ type: 'toggle', index: 2 }, 'single_label', labels('present', 'absent', null), null)).toEqual([{ labelId: 12, value: 'present' }]);
    expect(writesFor({ type: 'toggle', index: 0 }, 'single_label', labels('present', 'absent'), null)).toEqual([]);
  });

  it('0 marks every label absent (only those not absent yet); U and X act on the selected label', () => {
    expect(writesFor({ type: 'none' }, 'multi_label', labels('present', 'absent', null), null)).toEqual([
      { labelId: 10, value: 'absent' },
      { labelId: 12, value: 'absent' },
    ]);
    expect(writesFor({ type: 'uncertain' }, 'multi_label', labels('present', null), 0)).toEqual([{ labelId: 10, value: 'uncertain' }]);
    expect(writesFor({ type: 'uncertain' }, 'multi_label', labels('uncertain'), 0)).toEqual([]);
    expect(writesFor({ type: 'uncertain' }, 'multi_label', labels(null), null)).toEqual([]);
    expect(writesFor({ type: 'clear' }, 'multi_label', labels(null, 'present'), 1)).toEqual([{ labelId: 11, value: null }]);
  });

  it('applies writes as the core stores them: a class present makes the others absent', () => {
    expect([...applyWrites('single_label', labels(null, 'present', null), [{ labelId: 12, value: 'present' }])]).toEqual([
      [10, 'absent'],
      [11, 'absent'],
      [12, 'present'],
    ]);
    expect([...applyWrites('multi_label', labels(null, 'present'), [{ labelId: 10, value: 'present' }])]).toEqual([
      [10, 'present'],
      [11, 'present'],
    ]);
  });
});

describe('batch selection', () => {
  const order = [5, 6, 7, 8, 9];
  it('selects one, adds with Ctrl, ranges with Shift, all with Ctrl-A', () => {
    let s = clickSelect(EMPTY_SELECTION, order, 1, {});
    expect([...s.ids]).toEqual([6]);
    s = clickSelect(s, order, 3, { shift: true });
    expect([...s.ids].sort()).toEqual([6, 7, 8]);
    s = clickSelect(s, order, 0, { toggle: true });
    expect([...s.ids].sort()).toEqual([5, 6, 7, 8]);
    s = clickSelect(s, order, 0, { toggle: true });
    expect([...s.ids].sort()).toEqual([6, 7, 8]);
    expect([...selectAll(order).ids]).toEqual(order);
  });
});

describe('budget and balance', () => {
  it('warns about labels with too few positives or negatives and says why', () => {
    const rows = labelBalance({
      id: 1,
      name: 'B',
      kind: 'multi_label',
      patients: { labelled: 9, imagesPerPatient: { min: 2, median: 6, max: 9 } },
      labels: [
        { id: 1, name: 'DRT', positive: 3, negative: 40, uncertain: 1, unknown: 10, positivePatients: 3 },
        { id: 2, name: 'IRF', positive: 20, negative: 30, uncertain: 0, unknown: 4, positivePatients: 5 },
        { id: 3, name: 'SRF', positive: 30, negative: 2, uncertain: 0, unknown: 22, positivePatients: 5 },
        { id: 4, name: 'PED', positive: 25, negative: 30, uncertain: 0, unknown: 0, positivePatients: 2 },
      ],
    });
    expect(rows[0]?.warning).toMatch(/Only 3 positive images: at least 10/);
    expect(rows[1]?.warning).toBeNull();
    expect(rows[1]?.prevalence).toBeCloseTo(0.4);
    expect(rows[2]?.warning).toMatch(/Only 2 negative images/);
    expect(rows[3]?.warning).toMatch(/positives in only 2 patients: a patient split cannot give training, validation and test one each/);
    expect(rows[3]?.positivePatients).toBe(2);
  });
});
