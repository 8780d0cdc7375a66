import { describe, expect, it } from 'vitest';
import { chartedNames, chartGroups, collapseMarkers, nearestIndex } from '../../../renderer/src/lib/inspect/training-charts.js';

const series = (name: string, steps: number[], values: number[]) => ({ name, total: steps.length, steps, values });

describe('training chart groups', () => {
  it('groups a pretraining run’s metrics (loss, schedules, collapse monitor, k-NN) in a fixed order', () => {
    const groups = chartGroups(['knn_top1', 'teacher_temp', 'lr', 'loss', 'kl_teacher_student', 'teacher_entropy', 'weight_decay', 'teacher_momentum', 'knn_macro_auroc', 'knn_auroc_irf', 'collapse_warning', 'grad_norm']);
    expect(groups.map((g) => [g.title, g.metrics])).toEqual([
      ['Loss', ['loss']],
      ['Schedules', ['lr', 'weight_decay', 'teacher_momentum', 'teacher_temp']],
      ['Collapse monitor', ['teacher_entropy', 'kl_teacher_student']],
      ['k-NN monitor', ['knn_macro_auroc', 'knn_top1', 'knn_auroc_irf']],
    ]);
  });

  it('groups a downstream run’s metrics and asks only for what is charted (with the warnings)', () => {
    expect(chartGroups(['train_loss', 'val_macro_auroc', 'val_loss', 'lr']).map((g) => [g.title, g.metrics])).toEqual([
      ['Loss', ['train_loss', 'val_loss']],
      ['Schedules', ['lr']],
      ['Validation', ['val_macro_auroc']],
    ]);
    expect(chartedNames(['loss', 'grad_norm', 'collapse_warning'])).toEqual(['loss', 'collapse_warning']);
    expect(chartedNames(['grad_norm'])).toEqual([]);
  });
});

describe('collapse warnings as markers', () => {
  it('puts each flagged step on the curve at the nearest recorded step', () => {
    const entropy = series('teacher_entropy', [0, 10, 20, 30], [4, 3, 2, 1]);
    const warnings = series('collapse_warning', [12, 29], [1, 1]);
    expect(collapseMarkers(entropy, warnings)).toEqual([
      { x: 12, y: 3 },
      { x: 29, y: 1 },
    ]);
    expect(collapseMarkers(entropy, undefined)).toEqual([]);
    expect(collapseMarkers(undefined, warnings)).toEqual([]);
    expect(collapseMarkers(entropy, series('collapse_warning', [5], [0]))).toEqual([]);
  });

  it('finds the nearest index by binary search', () => {
    expect(nearestIndex([0, 10, 20], -5)).toBe(0);
    expect(nearestIndex([0, 10, 20], 14)).toBe(1);
    expect(nearestIndex([0, 10, 20], 15)).toBe(1);
    expect(nearestIndex([0, 10, 20], 16)).toBe(2);
    expect(nearestIndex([0, 10, 20], 99)).toBe(2);
  });
});
