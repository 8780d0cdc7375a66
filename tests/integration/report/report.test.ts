import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppCore } from '../../../src-main/api/core.js';
import { dispatch } from '../../../src-main/api/dispatch.js';
import { JobRunner } from '../../../src-main/jobs/job-runner.js';
import type { EvaluationMetrics } from '../../../src-main/ml/metrics/index.js';
import type { PipelineResult } from '../../../src-main/ml/pipeline/pipeline-job.js';
import { Project } from '../../../src-main/project/project.js';
import { RunsRepository } from '../../../src-main/project/runs.js';
import { collectReportData } from '../../../src-main/report/report-data.js';
import { REPORT_SECTIONS } from '../../../src-main/report/report-html.js';
import { findChromium } from '../../../src-main/report/report-pdf.js';
import { armTitle } from '../../../src-main/report/report-text.js';
import { runOctdino } from '../../fixtures/run-cli.js';
import { makeTempDir } from '../../fixtures/temp-dir.js';

/**
 * The tiny pipeline of tests/integration/ml/pipeline (a 2-block ViT of width 32 on 32-px crops;
 * copied, since importing a test file would run its tests here), with fewer linear-probe epochs.
 */
const TINY_PIPELINE = {
  preset: 'quick',
  seed: 3,
  backend: 'wasm',
  pretrain: { arch: 'vit_custom', custom: { embedDim: 32, depth: 2, numHeads: 2 }, patch: 8, epochs: 2, batch: 16, outDim: 64, headHiddenDim: 32, headBottleneckDim: 16, globalSize: 32, localSize: 16, localCrops: 2, warmupEpochs: 1, checkpointEvery: 4 },
  downstream: { batch: 16, linearEpochs: 10, finetuneEpochs: 2, warmupEpochs: 0, patience: 0, bootstrap: 50 },
};

/** A poppler-utils tool's output (CI installs the package, see .ci/run). */
function poppler(tool: 'pdfinfo' | 'pdftotext' | 'pdfimages', args: string[]): string {
  try {
    return execFileSync(tool, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${tool} is missing: install poppler-utils (apt-get install poppler-utils) to read the PDF back.`, { cause: err });
    throw err;
  }
}

const f3 = (v: number | null): string => (v === null ? '—' : v.toFixed(3));
const MM = 72 / 25.4;

describe('octdino report on a tiny real pipeline of the demo data', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let dir: string;
  let pipeline: PipelineResult;
  let arms: { arm: string; runId: number; metrics: EvaluationMetrics }[];
  let html: string;
  let htmlFile: string;
  let pdfFile: string;

  beforeAll(async () => {
    temp = makeTempDir();
    dir = path.join(temp.dir, 'p');
    const project = Project.create(dir);
    const runner = new JobRunner(project);
    try {
      const demo = await runner.waitFor(runner.start('demo.generate', { patients: 10, eyesPerPatient: 1, visitsPerEye: 2, slicesPerVolume: 5, width: 64, height: 62 }).id);
      expect(demo.status).toBe('completed');
      const done = await runner.waitFor(runner.start('pipeline', TINY_PIPELINE).id);
      expect(done.status, JSON.stringify(done.error)).toBe('completed');
      pipeline = done.result as PipelineResult;
      const runs = new RunsRepository(project.db);
      arms = Object.entries(pipeline.arms).map(([arm, a]) => ({ arm, runId: a.runId, metrics: runs.evaluation(a.runId, 'test')!.metrics as EvaluationMetrics }));
    } finally {
      runner.shutdown();
      project.close();
    }
    htmlFile = path.join(temp.dir, 'out', 'report.html');
    pdfFile = path.join(temp.dir, 'out', 'report.pdf');
    const h = runOctdino(['report', '--project', dir, '--pipeline', String(pipeline.pipeline), '--out', htmlFile, '--json']);
    expect(h.status, h.stderr).toBe(0);
    expect(JSON.parse(h.stdout)).toMatchObject({ path: htmlFile, format: 'html', sections: REPORT_SECTIONS.length });
    const p = runOctdino(['report', '--project', dir, '--pipeline', String(pipeline.pipeline), '--out', pdfFile]);
    expect(p.status, p.stderr).toBe(0);
    html = readFileSync(htmlFile, 'utf8');
  }, 180_000);
  afterAll(() => temp.cleanup());

  it('has every section, and the results table holds the stored test metrics of every arm and label', () => {
    for (const s of REPORT_SECTIONS) expect(html, s).toContain(`<h2>${s}</h2>`);
    const results = html.slice(html.indexOf('<h2>Results</h2>'), html.indexOf('<h2>Significance</h2>'));
    expect(arms).toHaveLength(4);
    for (const { arm, runId, metrics } of arms) {
      const start = results.indexOf(`run ${runId}`);
      expect(start, arm).toBeGreaterThan(0);
      const block = results.slice(results.lastIndexOf('<tr', start), results.indexOf('class="macro"', start) >>> 0);
      expect(block).toContain(armTitle(arm));
      expect(block).toContain(`<td class="num">${f3(metrics.macroAuroc)}<br>`);
      for (const l of metrics.perLabel) {
        const row = block.split('<tr').find((r) => r.includes(`<td>${l.label}</td>`));
        expect(row, `${arm} ${l.label}`).toBeDefined();
        const cells = [...row!.matchAll(/<td class="num">([^<]*)<br>/g)].map((m) => m[1]);
        expect(cells, `${arm} ${l.label}`).toEqual([l.auroc, l.auprc, l.f1, l.sensitivity, l.specificity].map(f3));
      }
    }
  });

  it('is self-contained: no script, no external URL, images as data: URIs, charts as inline SVG', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/(?:src|href)\s*=\s*["']?(?!data:)[^"'\s>]+/i);
    expect(html.match(/<svg class="chart"/g)?.length).toBeGreaterThanOrEqual(5);
    expect(html).toContain('src="data:image/png;base64,');
    expect(html).toContain('Collapse monitor');
  });

  it('opens in Chromium with no console error and no network request', async () => {
    const browser = await chromium.launch({ executablePath: findChromium(), args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'] });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('request', (r) => requests.push(r.url()));
      const url = pathToFileURL(htmlFile).href;
      await page.goto(url, { waitUntil: 'load' });
      expect(errors).toEqual([]);
      expect(requests.filter((r) => r !== url && !r.startsWith('data:'))).toEqual([]);
      const images = await page.$$eval('img', (list) => list.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth));
      expect(images.length).toBeGreaterThan(0);
      expect(images.every((w) => w > 0)).toBe(true);
    } finally {
      await browser.close();
    }
  });

  it('prints to an A4 PDF with the table and the charts, every page numbered and nothing past the margins', () => {
    const info = poppler('pdfinfo', [pdfFile]);
    const pages = Number(/Pages:\s+(\d+)/.exec(info)![1]);
    expect(pages).toBeGreaterThan(2);
    const text = poppler('pdftotext', ['-layout', pdfFile, '-']);
    const perPage = text.split('\f').filter((p) => p.trim() !== '');
    expect(perPage).toHaveLength(pages);
    perPage.forEach((p, i) => expect(p, `page ${i + 1}`).toContain(`page ${i + 1} of ${pages}`));
    for (const h of ['AUROC', 'AUPRC', 'Sensitivity', 'Specificity']) expect(text).toContain(h);
    for (const { metrics } of arms) expect(text).toContain(f3(metrics.macroAuroc));
    for (const l of arms[0]!.metrics.perLabel) expect(text.replace(/\s+/g, ' ')).toContain(l.label.split(' ')[0]);
    // The SVG charts are vector content: their titles, axis labels and legends are real text.
    for (const t of ['DINO loss', 'Collapse monitor', 'Label efficiency: test macro AUROC by labelled images', 'labelled training images', 'Validation macro AUROC per epoch', 'collapse'])
      expect(text, t).toContain(t);
    expect(text).toContain('Limitations');
    // The attention examples are the only raster images.
    const images = poppler('pdfimages', ['-list', pdfFile]).trim().split('\n').slice(2);
    expect(images.length).toBeGreaterThan(0);
    // Nothing cut off: every word lies inside the page's left and right margins.
    const bbox = poppler('pdftotext', ['-bbox', pdfFile, '-']);
    const width = Number(/<page width="([\d.]+)"/.exec(bbox)![1]);
    const xs = [...bbox.matchAll(/<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])] as const);
    expect(xs.length).toBeGreaterThan(100);
    for (const [x0, x1] of xs) {
      expect(x0).toBeGreaterThanOrEqual(14 * MM - 1);
      expect(x1).toBeLessThanOrEqual(width - 14 * MM + 1);
    }
  });

  it('writes into the project reports/ folder through reports.create, and refuses a run that is no pipeline', async () => {
    const core = new AppCore({ appHome: path.join(temp.dir, 'home') });
    try {
      expect((await dispatch(core, 'projects.open', { dir })).ok).toBe(true);
      const r = await dispatch(core, 'reports.create', { pipelineId: pipeline.pipeline, format: 'html' });
      expect(r.ok, JSON.stringify(r)).toBe(true);
      const file = (r as { result: { path: string } }).result.path;
      expect(path.dirname(file)).toBe(path.join(dir, 'reports'));
      expect(existsSync(file)).toBe(true);
      const bad = await dispatch(core, 'reports.create', { pipelineId: pipeline.pretrainRun, format: 'html' });
      expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
      const both = await dispatch(core, 'reports.create', { pipelineId: pipeline.pipeline, runIds: [1], format: 'pdf' });
      expect(both).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    } finally {
      core.dispose();
    }
  });

  it('reports chosen runs: two arms, compared with a paired bootstrap over the same test patients', () => {
    const project = Project.open(dir);
    try {
      const linear = pipeline.arms.dino_linear!.runId;
      const supervised = pipeline.arms.supervised!.runId;
      const data = collectReportData(project, { runIds: [linear, supervised] });
      expect(data.results.arms.map((a) => a.runId).sort()).toEqual([linear, supervised].sort());
      expect(data.runIds).toContain(pipeline.pretrainRun);
      expect(data.significance).toHaveLength(1);
      const s = data.significance[0]!;
      expect(s.arm).toBe('dino_linear');
      expect(s.macroA).toBeCloseTo(pipeline.arms.dino_linear!.macroAuroc!, 10);
      expect(s.macroB).toBeCloseTo(pipeline.arms.supervised!.macroAuroc!, 10);
      expect(s.difference).toBeCloseTo(s.macroA! - s.macroB!, 12);
    } finally {
      project.close();
    }
  });
});
