/**
 * The Reports view in real Chromium through the real web mode, on a project with a real tiny
 * pipeline (tests/fixtures/tiny-pipeline.ts, ~10–20 s to train): the first-steps guide on the
 * start page (dismissed and remembered across a reload), the report written as HTML from the UI
 * and downloaded through the authenticated /api/files/ route (the downloaded file is the report
 * with its results table), the predictions CSV written and downloaded, and the Settings view's
 * word on the GPU engine. Screenshots go to tests/e2e/__output__/.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineResult } from '../../src-main/ml/pipeline/pipeline-job.js';
import { escapeHtml } from '../../src-main/report/html-escape.js';
import { armTitle } from '../../src-main/report/report-text.js';
import { createTinyPipelineProject } from '../fixtures/tiny-pipeline.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, OUTPUT_DIR, ensureRendererBuilt, startWebServer, type WebServer } from './support/web-server.js';

let server: WebServer;
let browser: Browser;
let page: Page;
let workDir: string;
let projectDir: string;
let pipeline: PipelineResult;
const consoleErrors: string[] = [];

beforeAll(async () => {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  ensureRendererBuilt();
  workDir = mkdtempSync(path.join(os.tmpdir(), 'octdino-e2e-reports-'));
  projectDir = path.join(workDir, 'study');
  const started = Date.now();
  pipeline = await createTinyPipelineProject(projectDir, 'Reports e2e');
  console.log(`[reports e2e] tiny pipeline trained in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  server = await startWebServer({ project: projectDir });
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(`page error: ${error.message}`));
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

async function goTo(view: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: view }).click();
}

/** Clicks a download link and returns the downloaded file's text and suggested name. */
async function download(link: ReturnType<Page['getByTestId']>): Promise<{ name: string; text: string }> {
  const [file] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const saved = path.join(workDir, 'downloads', file.suggestedFilename());
  await file.saveAs(saved);
  return { name: file.suggestedFilename(), text: readFileSync(saved, 'utf8') };
}

describe('Reports view in Chromium', () => {
  it('shows the first-steps guide on the start page once, until dismissed', async () => {
    await page.goto(server.url);
    const guide = page.getByTestId('first-run-guide');
    await guide.waitFor();
    const steps = guide.getByTestId('first-run-step');
    expect(await steps.evaluateAll((items) => items.map((li) => li.getAttribute('data-route')))).toEqual(['dataset', 'annotate', 'train', 'reports']);
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'reports-00-first-steps.png') });
    await guide.getByTestId('first-run-dismiss').click();
    await expect.poll(() => guide.count()).toBe(0);
    await page.reload();
    await page.getByTestId('header-project').waitFor();
    await expect.poll(() => page.getByTestId('header-project').textContent()).toContain('Reports e2e');
    expect(await page.getByTestId('first-run-guide').count()).toBe(0);
  });

  it('writes the pipeline report as HTML from the UI and downloads it with its results table', async () => {
    await goTo('Reports');
    const select = page.getByTestId('report-run');
    await select.waitFor();
    await expect.poll(() => select.inputValue()).toBe(String(pipeline.pipeline));
    // The arms of the pipeline offer their classifier and backbone; the pretraining its backbone.
    await page.getByTestId(`export-classifier-${pipeline.arms.dino_linear!.runId}`).waitFor();
    await page.getByTestId(`export-backbone-${pipeline.pretrainRun}`).waitFor();

    const started = Date.now();
    await page.getByTestId('export-report-html').click();
    const result = page.getByTestId('export-result').filter({ hasText: 'Report (HTML)' });
    await result.waitFor({ timeout: 60_000 });
    console.log(`[reports e2e] HTML report written in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const link = result.getByTestId('export-download');
    expect(await link.getAttribute('href')).toMatch(/^\/api\/files\/reports\/report-pipeline-\d+-\d{8}-\d{6}\.html$/);
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'reports-01-report-written.png') });

    const { name, text } = await download(link);
    expect(name).toMatch(/^report-pipeline-\d+-.*\.html$/);
    expect(text).toMatch(/^<!doctype html>/i);
    expect(text).toContain('<table class="results">');
    const table = text.slice(text.indexOf('<table class="results">'), text.indexOf('</table>', text.indexOf('<table class="results">')));
    for (const arm of Object.keys(pipeline.arms)) expect(table, arm).toContain(escapeHtml(armTitle(arm)));
    // The same file, fetched by the page itself: the session cookie authenticates it, the type is HTML.
    const fetched = await page.evaluate(async (href) => {
      const res = await fetch(href);
      return { status: res.status, type: res.headers.get('content-type'), disposition: res.headers.get('content-disposition'), body: await res.text() };
    }, (await link.getAttribute('href'))!);
    expect(fetched).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' });
    expect(fetched.disposition).toMatch(/^attachment; filename="report-pipeline-/);
    expect(fetched.body).toBe(text);
    // Without the cookie or token the same URL is refused.
    const anonymous = await fetch(`${server.origin}${await link.getAttribute('href')}`);
    expect(anonymous.status).toBe(401);
  });

  it('writes and downloads the predictions CSV of the pipeline', async () => {
    await page.getByTestId('export-predictions').click();
    const result = page.getByTestId('export-result').filter({ hasText: 'Predictions CSV' });
    await result.waitFor({ timeout: 30_000 });
    expect(await result.textContent()).toMatch(/\d+ prediction rows of run \d+/);
    const { name, text } = await download(result.getByTestId('export-download'));
    expect(name).toMatch(/^predictions-run-\d+-.*\.csv$/);
    const lines = text.trim().split('\n');
    expect(lines[0]).toBe('image_id,path,patient,split,label,truth,probability,arm,run_id');
    expect(lines.length).toBeGreaterThan(10);
    expect(new Set(lines.slice(1).map((l) => l.split(',').at(-2)))).toEqual(new Set(Object.keys(pipeline.arms)));
    // Both files are listed with their sizes, and the files exist in the project's folders.
    expect(await page.getByTestId('export-result').count()).toBe(2);
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'reports-02-exports.png'), fullPage: true });
  });

  it('shows the compute engine and how to enable the GPU one in Settings', async () => {
    await goTo('Settings');
    const help = page.getByTestId('gpu-help');
    await help.waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('engine-active').textContent()).toMatch(/\w/);
    expect(await help.textContent()).toContain('npm install @tensorflow/tfjs-node-gpu@4.22.0');
    expect(consoleErrors).toEqual([]);
  });
});
