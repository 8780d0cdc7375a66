/**
 * Which training curves the Inspect view's Charts tab plots, in which group, and the collapse
 * warnings as markers on the collapse monitor's curves. One chart per metric (scales differ),
 * every chosen run as one line on it. Pure, so it is tested without a DOM or chart.js.
 */
import type { MetricSeries } from '../results/results-view.js';

export interface ChartGroup {
  title: string;
  /** What to read in it, one line. */
  hint: string;
  metrics: string[];
}

const GROUPS: { title: string; hint: string; match: (name: string) => boolean; order?: string[] }[] = [
  { title: 'Loss', hint: 'DINO cross-entropy between teacher and student; for classifiers the training and validation loss.', match: (n) => ['loss', 'train_loss', 'val_loss'].includes(n), order: ['loss', 'train_loss', 'val_loss'] },
  {
    title: 'Schedules',
    hint: 'Learning rate, weight decay, teacher momentum and teacher temperature by step.',
    match: (n) => ['lr', 'weight_decay', 'teacher_momentum', 'teacher_temp'].includes(n),
    order: ['lr', 'weight_decay', 'teacher_momentum', 'teacher_temp'],
  },
  {
    title: 'Collapse monitor',
    hint: 'Teacher entropy near log(K) means a uniform teacher, near 0 one dimension dominates; KL near 0 means the student copies a collapsed teacher. Red marks: collapse warnings.',
    match: (n) => n === 'teacher_entropy' || n === 'kl_teacher_student',
    order: ['teacher_entropy', 'kl_teacher_student'],
  },
  { title: 'k-NN monitor', hint: 'The teacher’s features classified by k-NN once per epoch.', match: (n) => n.startsWith('knn_'), order: ['knn_macro_auroc', 'knn_macro_balanced_accuracy', 'knn_top1'] },
  { title: 'Validation', hint: 'The classifier’s validation macro AUROC by epoch.', match: (n) => n === 'val_macro_auroc' || n.startsWith('val_') && n !== 'val_loss' },
];

/** Metrics on which collapse warnings are marked. */
export const COLLAPSE_METRICS = new Set(['teacher_entropy', 'kl_teacher_student', 'loss']);
export const COLLAPSE_WARNING = 'collapse_warning';

/** The groups with the recorded metrics they plot (empty groups left out), known names first. */
export function chartGroups(recorded: Iterable<string>): ChartGroup[] {
  const names = [...new Set(recorded)].filter((n) => n !== COLLAPSE_WARNING);
  return GROUPS.map((g) => {
    const metrics = names.filter(g.match);
    const rank = (n: string): number => {
      const i = g.order?.indexOf(n) ?? -1;
      return i === -1 ? 1000 : i;
    };
    metrics.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
    return { title: g.title, hint: g.hint, metrics };
  }).filter((g) => g.metrics.length > 0);
}

/** The metric names the Charts tab asks a run for, among those it recorded. */
export function chartedNames(recorded: readonly string[]): string[] {
  const wanted = chartGroups(recorded).flatMap((g) => g.metrics);
  if (recorded.includes(COLLAPSE_WARNING)) wanted.push(COLLAPSE_WARNING);
  return wanted.slice(0, 50); // the endpoint takes at most 50 names
}

/**
 * Collapse warnings as points on `series`: at each flagged step, the series' value at the
 * nearest recorded step (the series is thinned; a flagged step may not be among its points).
 */
export function collapseMarkers(series: MetricSeries | undefined, warnings: MetricSeries | undefined): { x: number; y: number }[] {
  if (!series || !warnings || series.steps.length === 0) return [];
  const out: { x: number; y: number }[] = [];
  for (let k = 0; k < warnings.steps.length; k++) {
    if (warnings.values[k] !== 1) continue;
    const step = warnings.steps[k]!;
    out.push({ x: step, y: series.values[nearestIndex(series.steps, step)]! });
  }
  return out;
}

/** Index of the value in sorted `steps` closest to `step` (binary search). */
export function nearestIndex(steps: readonly number[], step: number): number {
  let lo = 0;
  let hi = steps.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (steps[mid]! < step) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(steps[lo - 1]! - step) <= Math.abs(steps[lo]! - step)) return lo - 1;
  return lo;
}

const RUN_COLOURS = ['#2f6fbf', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];
export const runColour = (i: number): string => RUN_COLOURS[i % RUN_COLOURS.length]!;
