/**
 * The report as ONE self-contained HTML file: inline CSS, charts as inline SVG, images as data:
 * URIs, no script and no external reference, so it opens offline anywhere and prints to the same
 * PDF (report-pdf.ts). Print CSS keeps a figure, an example or a table row on one page and
 * repeats table headers across page breaks.
 */
import { escapeHtml as e } from './html-escape.js';
import { armTitle } from './report-text.js';
import type { ReportData, TrainingCurves } from './report-types.js';
import { lineChart, type ChartSeries } from './svg-charts.js';
import type { Interval, MultiLabelMetrics } from '../ml/metrics/types.js';
import type { MetricSeries } from '../project/results-types.js';

/** The section headings, in order (the test checks every one is there). */
export const REPORT_SECTIONS = [
  'Summary',
  'Dataset',
  'Patient-level split',
  'Results',
  'Significance',
  'Label efficiency',
  'Training curves',
  'Attention examples',
  'Settings',
  'Engine and version',
  'Reproducibility',
  'Limitations',
] as const;

const f3 = (v: number | null | undefined): string => (v === null || v === undefined || Number.isNaN(v) ? '—' : v.toFixed(3));
const ciText = (c: Interval | undefined): string => (c ? `${f3(c[0])}–${f3(c[1])}` : 'no CI');
const cell = (v: number | null | undefined, c: Interval | undefined): string => `<td class="num">${f3(v)}<br><span class="ci">${ciText(c)}</span></td>`;
const section = (title: (typeof REPORT_SECTIONS)[number], body: string): string => `<section><h2>${e(title)}</h2>${body}</section>`;
const figure = (svg: string, caption: string): string => `<figure>${svg}<figcaption>${e(caption)}</figcaption></figure>`;
const table = (head: string[], rows: string[][], cls = ''): string =>
  `<table class="${cls}"><thead><tr>${head.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.join('')}</tr>`).join('')}</tbody></table>`;
const td = (v: unknown, cls = ''): string => `<td${cls ? ` class="${cls}"` : ''}>${e(v)}</td>`;

const CSS = `
@page { size: A4; margin: 16mm 14mm 18mm 14mm; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 10pt; line-height: 1.4; color: #1a1a1a; margin: 0 auto; max-width: 190mm; padding: 8mm 0; }
h1 { font-size: 17pt; margin: 0 0 2mm; } h2 { font-size: 13pt; margin: 7mm 0 2mm; border-bottom: 1px solid #bbb; break-after: avoid; } h3 { font-size: 11pt; margin: 4mm 0 1mm; break-after: avoid; }
.meta { color: #555; margin: 0 0 3mm; } .answer { font-size: 10.5pt; } .question { font-style: italic; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0 3mm; font-size: 8.5pt; }
th, td { border: 1px solid #ccc; padding: 1mm 1.5mm; text-align: left; vertical-align: top; }
th { background: #f0f0f0; } thead { display: table-header-group; } tr, figure, .example, .keep { break-inside: avoid; page-break-inside: avoid; }
td.num { text-align: right; white-space: nowrap; } .ci { color: #666; font-size: 7.5pt; } tr.macro td { font-weight: bold; background: #fafafa; }
table.settings td { font-size: 7.5pt; word-break: break-all; width: 25%; } table.settings td:nth-child(odd) { font-family: "DejaVu Sans Mono", monospace; }
figure { margin: 3mm 0; } figcaption { font-size: 8.5pt; color: #444; } svg.chart { max-width: 100%; height: auto; display: block; }
svg .chart-title { font-size: 13px; font-weight: bold; } svg .tick, svg .legend { font-size: 10px; fill: #333; } svg .axis-label { font-size: 11px; fill: #222; }
svg .axis { stroke: #333; stroke-width: 1; } svg .grid { stroke: #e4e4e4; stroke-width: 1; } svg .marker { stroke: #c00; stroke-width: 1; stroke-dasharray: 3 2; }
.examples { display: grid; grid-template-columns: 1fr; gap: 3mm; } .example img { height: 34mm; width: auto; max-width: 100%; image-rendering: pixelated; border: 1px solid #ccc; }
.example p { margin: 0.5mm 0; font-size: 8.5pt; } .yes { color: #0a6b2d; font-weight: bold; } .no { color: #555; }
pre { font-size: 7pt; white-space: pre-wrap; word-break: break-all; background: #f7f7f7; padding: 2mm; border: 1px solid #ddd; }
.note { color: #555; font-size: 9pt; }
`;

function datasetSection(d: ReportData): string {
  const ds = d.dataset;
  const facts = table(['Project', 'Sources', 'Images', 'Patients', 'Eyes', 'Visits (volumes)'], [
    [td(ds.projectName), td(ds.sources.map((s) => `${s.label} (${s.kind})`).join('; ') || '—'), td(ds.images, 'num'), td(ds.patients, 'num'), td(ds.eyes, 'num'), td(ds.visits, 'num')],
  ]);
  const set = ds.labelSet;
  const prevalence = set
    ? `<h3>Labels: ${e(set.name)} (${e(set.kind.replace('_', '-'))})</h3>` +
      table(
        ['Label', 'Present', 'Absent', 'Uncertain', 'Unknown', 'Prevalence'],
        set.labels.map((l) => [td(l.name), td(l.positive, 'num'), td(l.negative, 'num'), td(l.uncertain, 'num'), td(l.unknown, 'num'), td(l.positive + l.negative > 0 ? `${((100 * l.positive) / (l.positive + l.negative)).toFixed(1)} %` : '—', 'num')]),
      )
    : '<p class="note">No label set.</p>';
  return section('Dataset', facts + prevalence + '<p class="note">Prevalence: present ÷ (present + absent) over all labelled images, using the value training uses (adjudicated, else a human\'s, else imported).</p>');
}

function splitSection(d: ReportData): string {
  const s = d.split;
  if (!s) return section('Patient-level split', '<p class="note">These runs name no split.</p>');
  const rows = (['train', 'val', 'test'] as const).map((k) => [td(k), td(s.subsets[k].patients, 'num'), td(s.subsets[k].images, 'num')]);
  return section(
    'Patient-level split',
    `<p>Split ${s.id} "${e(s.name)}" (${e(s.strategy)}, seed ${e(s.seed ?? '—')}): every patient's images are in exactly one subset, so no test patient was seen in pretraining or training.</p>` +
      table(['Subset', 'Patients', 'Images'], rows) +
      `<p class="note">Images without a patient (pretraining only): ${s.unassignedImages}. Manifest SHA-256: <code>${e(s.manifestHash)}</code></p>`,
  );
}

function settingsSection(d: ReportData): string {
  // Two settings a row: the full list of every stage stays a few pages long.
  const pairs = (entries: [string, string][]): string[][] => {
    const rows: string[][] = [];
    for (let i = 0; i < entries.length; i += 2) {
      const [a, b] = [entries[i]!, entries[i + 1]];
      rows.push([td(a[0]), td(a[1]), td(b?.[0] ?? ''), td(b?.[1] ?? '')]);
    }
    return rows;
  };
  return section('Settings', d.settings.map((s) => `<h3>${e(s.stage)} · run ${s.runId}</h3>` + table(['Setting', 'Value', 'Setting', 'Value'], pairs(s.entries), 'settings')).join(''));
}

function engineSection(d: ReportData): string {
  const rows = d.engines.map((x) => [td(x.stage), td(x.runId, 'num'), td(x.backend ?? '—'), td(x.device ?? '—'), td(x.package ?? '—'), td(x.appVersion)]);
  return section('Engine and version', `<p>Report made by OCT DINO Studio ${e(d.appVersion)}.</p>` + table(['Stage', 'Run', 'Backend', 'Device', 'Package', 'App version'], rows));
}

const seriesOf = (list: MetricSeries[], name: string, label = name): ChartSeries[] => {
  const s = list.find((x) => x.name === name);
  return s ? [{ name: label, xs: s.steps, ys: s.values }] : [];
};

function curvesSection(d: ReportData): string {
  const parts: string[] = [];
  for (const c of d.curves.filter((x) => x.stage === 'DINO pretraining')) parts.push(pretrainCharts(c));
  const arms = d.curves.filter((x) => x.stage !== 'DINO pretraining' && x.series.length > 0);
  if (arms.length > 0) {
    const loss = arms.flatMap((c) => [...seriesOf(c.series, 'train_loss', `${c.stage} train`), ...seriesOf(c.series, 'val_loss', `${c.stage} val`)]);
    const auroc = arms.flatMap((c) => seriesOf(c.series, 'val_macro_auroc', c.stage));
    if (loss.length > 0) parts.push(figure(lineChart({ title: 'Downstream loss per epoch', xLabel: 'epoch', yLabel: 'loss', series: loss }), 'Training and validation loss of each trained arm (k-NN has no training).'));
    if (auroc.length > 0) parts.push(figure(lineChart({ title: 'Validation macro AUROC per epoch', xLabel: 'epoch', yLabel: 'macro AUROC', series: auroc, yRange: [0, 1] }), 'The epoch with the best validation score is the one kept.'));
  }
  return section('Training curves', parts.join('') || '<p class="note">No training curves were recorded.</p>');
}

function pretrainCharts(c: TrainingCurves): string {
  const markers = { xs: c.collapseSteps, label: 'collapse warning' };
  const out = [
    figure(lineChart({ title: `DINO loss (run ${c.runId})`, xLabel: 'step', yLabel: 'loss', series: seriesOf(c.series, 'loss'), markers }), 'Cross-entropy between teacher and student views; dashed red lines mark collapse warnings.'),
    figure(
      lineChart({ title: 'Collapse monitor: teacher entropy and KL(teacher‖student)', xLabel: 'step', yLabel: 'nats', series: [...seriesOf(c.series, 'teacher_entropy', 'teacher entropy'), ...seriesOf(c.series, 'kl_teacher_student', 'KL teacher‖student')], markers }),
      'A teacher entropy near its maximum with KL near 0 is the uniform collapse; both near 0 the one-dimension collapse.',
    ),
  ];
  const knn = seriesOf(c.series, 'knn_macro_auroc', 'k-NN macro AUROC');
  if (knn.length > 0) out.push(figure(lineChart({ title: 'k-NN macro AUROC during pretraining', xLabel: 'step', yLabel: 'macro AUROC', series: knn.map((s) => ({ ...s, dots: true })), yRange: [0, 1] }), 'Validation k-NN on the teacher features at the monitoring steps.'));
  return out.join('');
}

function resultsSection(d: ReportData): string {
  const r = d.results;
  const rows: { cells: string[]; macro: boolean; start: boolean }[] = [];
  for (const a of r.arms) {
    const m = a.metrics;
    if (!m) {
      rows.push({ cells: [td(armTitle(a.arm)), `<td colspan="7">run ${a.runId}: no test evaluation (${e(a.status)})</td>`], macro: false, start: true });
      continue;
    }
    const multi = m.task === 'multi_label' ? (m as MultiLabelMetrics) : null;
    // An arm's first row: its macro means over the labels.
    rows.push({
      macro: true,
      start: true,
      cells: [
        `<td>${e(armTitle(a.arm))}<br><span class="ci">run ${a.runId}${a.budget?.images ? `, ${a.budget.images} labelled images` : ''}</span></td>`,
        td('macro'),
        td(`${m.images} img / ${m.patients} pt`, 'num'),
        cell(m.macroAuroc, m.ci.macroAuroc ?? undefined),
        multi ? cell(multi.macroAuprc, multi.ci.macroAuprc ?? undefined) : td('—', 'num'),
        multi ? cell(multi.macroF1, multi.ci.macroF1 ?? undefined) : td('—', 'num'),
        td('', 'num'),
        td('', 'num'),
      ],
    });
    for (const label of r.labels) {
      const l = m.perLabel.find((x) => x.label === label);
      if (!l) continue;
      rows.push({ macro: false, start: false, cells: [td(''), td(label), td(`${l.positives} / ${l.n}`, 'num'), cell(l.auroc, l.ci.auroc), cell(l.auprc, l.ci.auprc), cell(l.f1, l.ci.f1), cell(l.sensitivity, l.ci.sensitivity), cell(l.specificity, l.ci.specificity)] });
    }
  }
  const head = ['Arm', 'Label', 'Positives / n', 'AUROC', 'AUPRC', 'F1', 'Sensitivity', 'Specificity'];
  // One <tbody> per arm, kept on one page where it fits (its macro row never ends a page alone).
  const groups: string[] = [];
  for (const row of rows) {
    const tr = `<tr${row.macro ? ' class="macro"' : ''}>${row.cells.join('')}</tr>`;
    if (row.start || groups.length === 0) groups.push(tr);
    else groups[groups.length - 1] += tr;
  }
  const html = `<table class="results"><thead><tr>${head.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead>${groups.map((g) => `<tbody class="keep">${g}</tbody>`).join('')}</table>`;
  const scope = [r.budgetText ? `label budget: ${r.budgetText}` : null, r.seed !== null ? `seed ${r.seed}` : null].filter(Boolean).join(', ');
  return section('Results', `<p>Test split${scope ? ` (${e(scope)})` : ''}. Each value with its 95 % bootstrap interval over patients; F1, sensitivity and specificity at the threshold chosen on validation.</p>${html}`);
}

function significanceSection(d: ReportData): string {
  if (d.significance.length === 0) return section('Significance', '<p class="note">No supervised baseline among these runs: nothing to compare against.</p>');
  const rows = d.significance.map((s) => [
    td(`${armTitle(s.arm)} − ${armTitle(s.baseline)}`),
    td(f3(s.macroA), 'num'),
    td(f3(s.macroB), 'num'),
    td(s.difference === null ? '—' : `${s.difference >= 0 ? '+' : ''}${s.difference.toFixed(3)}`, 'num'),
    td(s.ci95 ? `${f3(s.ci95[0])} to ${f3(s.ci95[1])}` : '—', 'num'),
    s.assessable ? `<td class="${s.significant ? 'yes' : 'no'}">${s.significant ? 'yes' : 'no'}</td>` : td(`not assessable (${s.patients} patients)`, 'no'),
    td(`${s.images} / ${s.patients}`, 'num'),
  ]);
  const first = d.significance[0]!;
  return section(
    'Significance',
    `<p>Difference in test macro AUROC between each arm and the supervised baseline on the same images: a paired bootstrap over patients (${first.resamples} resamples, seed ${first.seed}); significant when the 95 % interval excludes 0.</p>` +
      table(['Comparison', 'Arm', 'Baseline', 'Difference', '95 % CI', 'Significant', 'Images / patients'], rows),
  );
}

function efficiencySection(d: ReportData): string {
  const arms = d.efficiency?.arms.filter((a) => a.points.length > 0) ?? [];
  if (arms.length === 0) return section('Label efficiency', '<p class="note">No arm has a test result yet.</p>');
  const series: ChartSeries[] = arms.map((a) => ({
    name: armTitle(a.arm),
    xs: a.points.map((p) => p.images ?? p.budget.value),
    ys: a.points.map((p) => p.meanMacroAuroc),
    band: a.points.map((p) => p.band),
    dots: true,
  }));
  const budgets = new Set(arms.flatMap((a) => a.points.map((p) => `${p.budget.kind}:${p.budget.value}`)));
  const xs = series.flatMap((s) => s.xs).filter((x) => x > 0);
  const xLog = xs.length > 0 && Math.max(...xs) / Math.min(...xs) > 20;
  const note = budgets.size < 2 ? '<p class="note">One label budget only: a curve needs a sweep (octdino pipeline --sweep-labels 0.05,0.2,1.0).</p>' : '';
  return section('Label efficiency', figure(lineChart({ title: 'Label efficiency: test macro AUROC by labelled images', xLabel: `labelled training images${xLog ? ' (log scale)' : ''}`, yLabel: 'test macro AUROC', series, yRange: [0, 1], xLog, dodge: 4 }), 'Mean over seeds; the band is the mean 95 % bootstrap interval.') + note);
}

function attentionSection(d: ReportData): string {
  const a = d.attention;
  const examples = a.examples
    .map((x) => `<div class="example"><p><b>${e(x.label)}</b> · ${e(x.kind)} · ${e(x.fileName)}${x.patient ? ` (patient ${e(x.patient)})` : ''} · score ${x.score.toFixed(3)}${x.threshold !== null ? ` (threshold ${x.threshold.toFixed(3)})` : ''}</p><img alt="${e(`${x.label} ${x.kind}`)}" src="${x.png}"></div>`)
    .join('');
  const intro = a.runId !== null ? `<p>[CLS] attention of ${e(a.model ?? `run ${a.runId}`)}: each head and their mean, the top 60 % of each map's mass shown (inferno). Per label the most confident true positive, false positive and false negative of the test split.</p>` : '';
  const notes = a.notes.map((n) => `<p class="note">${e(n)}</p>`).join('');
  return section('Attention examples', intro + `<div class="examples">${examples}</div>` + notes);
}

function reproducibilitySection(d: ReportData): string {
  const r = d.reproducibility;
  const hashes = table(['Stage', 'Run', 'Data SHA-256'], r.dataHashes.map((h) => [td(h.stage), td(h.runId, 'num'), `<td><code>${e(h.hash)}</code></td>`]));
  return section(
    'Reproducibility',
    `<p>Seeds: ${e(r.seeds.join(', '))}. Split manifest SHA-256: <code>${e(d.split?.manifestHash ?? '—')}</code>. Runs: ${e(d.runIds.join(', '))}. The same project, split, seeds and settings on the same engine give the same numbers.</p>${hashes}<h3>Configuration</h3><pre>${e(r.configJson)}</pre>`,
  );
}

export function renderReportHtml(d: ReportData): string {
  const date = d.generatedAt.replace('T', ' ').slice(0, 16);
  const body = [
    `<h1>${e(d.title)}</h1><p class="meta">${e(date)} UTC · OCT DINO Studio ${e(d.appVersion)} · project "${e(d.dataset.projectName)}"</p>`,
    section('Summary', `<p class="question">${e(d.question)}</p><p class="answer">${e(d.answer)}</p>`),
    datasetSection(d),
    splitSection(d),
    resultsSection(d),
    significanceSection(d),
    efficiencySection(d),
    curvesSection(d),
    attentionSection(d),
    settingsSection(d),
    engineSection(d),
    reproducibilitySection(d),
    section('Limitations', `<ul>${d.limitations.map((l) => `<li>${e(l)}</li>`).join('')}</ul>`),
  ].join('\n');
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'"><title>${e(d.title)}</title><style>${CSS}</style></head><body>\n${body}\n</body></html>\n`;
}
