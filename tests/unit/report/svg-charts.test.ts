import { describe, expect, it } from 'vitest';
import { pickExamples } from '../../../src-main/report/attention-examples.js';
import { flattenSettings } from '../../../src-main/report/report-data.js';
import { lineChart, niceTicks } from '../../../src-main/report/svg-charts.js';
import type { TestPrediction } from '../../../src-main/report/test-predictions.js';

describe('niceTicks', () => {
  it('steps by 1, 2 or 5 × 10^k and covers the range', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 87, 5)).toEqual([0, 20, 40, 60, 80]);
    expect(niceTicks(1.93, 2.71, 4)).toEqual([2, 2.2, 2.4, 2.6]);
    expect(niceTicks(3, 3)).toEqual([3]);
  });
});

describe('lineChart', () => {
  const chart = lineChart({
    title: 'Loss <of> "run" & co',
    xLabel: 'step',
    yLabel: 'loss',
    series: [
      { name: 'train', xs: [0, 1, 2], ys: [3, 2, null] },
      { name: 'val', xs: [0, 1, 2], ys: [3.5, 2.5, 2], band: [[3, 4], null, [1.5, 2.5]], dots: true },
    ],
    markers: { xs: [1], label: 'collapse warning' },
  });

  it('is one inline SVG with the title, axis labels and legend as text, escaped', () => {
    expect(chart.startsWith('<svg class="chart"')).toBe(true);
    expect(chart).not.toContain('http');
    expect(chart).toContain('Loss &lt;of&gt; &quot;run&quot; &amp; co');
    for (const text of ['>step<', '>loss<', '>train<', '>val<', '>collapse warning (1)<']) expect(chart).toContain(text);
  });

  it('draws a line per series (skipping missing values), one marker, the band and whiskers at the dots', () => {
    expect(chart.match(/<polyline /g)).toHaveLength(2);
    expect(chart.match(/<polyline points="([^"]*)"/)![1]!.split(' ')).toHaveLength(2);
    expect(chart.match(/class="marker"/g)).toHaveLength(2); // the line and its legend swatch
    expect(chart.match(/<polygon /g)).toHaveLength(1);
    expect(chart.match(/<circle /g)).toHaveLength(3);
  });

  it('says "no data" rather than drawing nothing', () => {
    expect(lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [] })).toContain('no data');
  });
});

describe('pickExamples', () => {
  const row = (imageId: number, score: number, truth: 1 | 0 | -1, labelId = 1): TestPrediction => ({ imageId, labelId, score, truth, patientId: imageId });
  const rows = [row(1, 0.9, 1), row(2, 0.7, 1), row(3, 0.8, 0), row(4, 0.6, 0), row(5, 0.2, 1), row(6, 0.4, 1), row(7, 0.1, 0), row(8, 0.95, -1), row(9, 0.99, 0, 2)];

  it('takes the most confident true positive, false positive and false negative at the threshold', () => {
    expect(pickExamples(rows, 1, 0.5).map((p) => [p.kind, p.row.imageId])).toEqual([
      ['true positive', 1],
      ['false positive', 3],
      ['false negative', 5],
    ]);
  });

  it('leaves out a case the test split does not have', () => {
    expect(pickExamples(rows, 1, 0.05).map((p) => p.kind)).toEqual(['true positive', 'false positive']);
  });
});

describe('flattenSettings', () => {
  it('gives dotted keys, lists short arrays and summarises long ones', () => {
    expect(flattenSettings({ a: { b: 1, c: [1, 2] }, d: null, e: Array.from({ length: 20 }, (_, i) => i), f: 'x' })).toEqual([
      ['a.b', '1'],
      ['a.c', '1, 2'],
      ['d', '—'],
      ['e', '[20 values]'],
      ['f', 'x'],
    ]);
  });
});
