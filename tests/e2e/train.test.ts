/**
 * The Train view in real Chromium through the real web mode, on a project whose results were
 * written straight into SQLite as the pipeline and sweep jobs store them (see
 * tests/fixtures/results-project.ts): the runs list, the arms' comparison table with intervals,
 * the label-efficiency chart drawn on its canvas, the predictions browser (sorting, opening an
 * image in the viewer) and the pipeline form's presets and the request its Run button sends.
 *
 * The Run button's `jobs.start` never reaches the core: the test routes the page's WebSocket and
 * answers that one call itself, so no real pipeline trains here whether or not the `pipeline`
 * job kind is registered; the captured params are checked against the core's schema instead.
 * Screenshots go to tests/e2e/__output__/.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipelineParamsSchema } from '../../src-main/ml/pipeline/pipeline-params.js';
import { PIPELINE_PRESETS } from '../../src-main/ml/pipeline/presets.js';
import { armAuroc, aurocCi, createResultsProject, type ResultsProject } from '../fixtures/results-project.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, OUTPUT_DIR, ensureRendererBuilt, startWebServer, type WebServer } from './support/web-server.js';

let server: WebServer;
let browser: Browser;
let page: Page;
let workDir: string;
let seeded: ResultsProject;
const consoleErrors: string[] = [];
/** `jobs.start` calls for a pipeline, caught on the socket and answered by the test. */
const pipelineStarts: { kind: string; params: Record<string, unknown> }[] = [];

beforeAll(async () => {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  ensureRendererBuilt();
  workDir = mkdtempSync(path.join(os.tmpdir(), 'octdino-e2e-train-'));
  seeded = await createResultsProject(path.join(workDir, 'study'), 'Train e2e');
  server = await startWebServer({ project: seeded.dir });
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(`page error: ${error.message}`));
  await page.routeWebSocket(/\/api\/ws$/, (ws) => {
    const core = ws.connectToServer();
    ws.onMessage((message) => {
      const request = JSON.parse(String(message)) as { id: number; method: string; input: { kind?: string; params?: Record<string, unknown> } };
      if (request.method === 'jobs.start' && request.input.kind === 'pipeline') {
        pipelineStarts.push({ kind: request.input.kind, params: request.input.params ?? {} });
        ws.send(JSON.stringify({ id: request.id, ok: false, error: { code: 'invalid_input', message: 'Caught by the end-to-end test: no pipeline is started.' } }));
        return;
      }
      core.send(message);
    });
    core.onMessage((message) => ws.send(message));
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** A screenshot with `testId`'s section scrolled into view (the main area scrolls, not the page). */
async function shot(name: string, testId?: string): Promise<void> {
  if (testId) await page.getByTestId(testId).scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(OUTPUT_DIR, name) });
}

/** Opaque pixels on a canvas (0 when nothing is drawn). */
function drawnPixels(testId: string): Promise<number> {
  return drawnPixelsOf(page.getByTestId(testId));
}

function drawnPixelsOf(canvas: ReturnType<Page['locator']>): Promise<number> {
  return canvas.evaluate((el) => {
    const canvas = el as HTMLCanvasElement;
    const ctx = canvas.getContext('2d');
    if (!ctx || canvas.width === 0 || canvas.height === 0) return 0;
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    let count = 0;
    for (let i = 3; i < data.length; i += 4) if ((data[i] as number) > 0) count++;
    return count;
  });
}

const probabilities = async (): Promise<number[]> => (await page.getByTestId('prediction-probability').allTextContents()).map(Number);

describe('the Train view in Chromium', () => {
  it('lists the runs with status, config and engine', async () => {
    await page.goto(server.url);
    await expect.poll(() => page.getByTestId('header-project').textContent()).toContain('Train e2e');
    await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Train' }).click();
    const rows = page.getByTestId('run-row');
    await expect.poll(() => rows.count()).toBe(2);
    const pipeline = page.locator(`[data-testid="run-row"][data-run-id="${seeded.pipelineId}"]`);
    expect(await pipeline.getByTestId('run-status').textContent()).toBe('completed');
    expect(await pipeline.getByTestId('run-config').textContent()).toBe('preset quick · Biomarkers · 100 % · seed 0');
    expect(await pipeline.getByTestId('run-engine').textContent()).toBe('wasm');
    const sweep = page.locator(`[data-testid="run-row"][data-run-id="${seeded.sweepId}"]`);
    expect(await sweep.getByTestId('run-config').textContent()).toContain('3 budgets × 2 seeds');
    await shot('train-01-runs.png', 'runs-list');
  });

  it('shows the comparison table with intervals and the best arm marked, and the chart drawn', async () => {
    await page.locator(`[data-testid="run-row"][data-run-id="${seeded.pipelineId}"]`).getByRole('button').click();
    const cell = (label: string, arm: string) => page.locator(`[data-testid="comparison-row"][data-label="${label}"] [data-testid="comparison-cell"][data-arm="${arm}"]`);
    await expect.poll(() => cell('DRT', 'dino_finetune').textContent()).toContain(armAuroc('dino_finetune', 0).toFixed(3));
    const [lo, hi] = aurocCi(armAuroc('dino_finetune', 1));
    expect(await cell('IRF', 'dino_finetune').textContent()).toContain(`[${lo.toFixed(3)}, ${hi.toFixed(3)}]`);
    expect(await cell('SRF', 'supervised').textContent()).toContain(armAuroc('supervised', 2).toFixed(3));
    expect(await page.getByTestId('comparison-row').count()).toBe(4); // three labels and the macro row
    // Fine-tuning is the best arm on every row.
    expect(await page.locator('[data-testid="comparison-cell"].best').evaluateAll((cells) => cells.map((c) => (c as HTMLElement).dataset.arm))).toEqual(Array(4).fill('dino_finetune'));
    const macro = page.locator('[data-testid="comparison-row"][data-label="Macro AUROC"] [data-arm="dino_linear"]');
    const linearMacro = (armAuroc('dino_linear', 0) + armAuroc('dino_linear', 1) + armAuroc('dino_linear', 2)) / 3;
    expect(await macro.textContent()).toContain(linearMacro.toFixed(3));

    await expect.poll(() => drawnPixels('efficiency-chart'), { timeout: 10_000 }).toBeGreaterThan(500);
    await shot('train-02-comparison.png', 'comparison');
  });

  it("shows a stage's curves, thinned to 2000 points", async () => {
    const stages = page.getByTestId('run-stages');
    await stages.locator('summary').click();
    await stages.getByRole('row', { name: /DINO pretraining/ }).getByRole('button', { name: 'Curves' }).click();
    const loss = page.locator('[data-testid="metric-chart"][data-metric="loss"]');
    await loss.waitFor();
    expect(await page.getByTestId('metric-curves').textContent()).toContain('2,500 points, 2000 shown');
    await expect.poll(() => page.locator('[data-testid="metric-chart"][data-metric="loss"]').evaluate((el) => (el as HTMLCanvasElement).width)).toBeGreaterThan(0);
    await expect.poll(async () => drawnPixelsOf(loss), { timeout: 10_000 }).toBeGreaterThan(200);
    await shot('train-02b-curves.png', 'metric-curves');
    await stages.getByRole('button', { name: 'Hide curves' }).click();
    await page.getByTestId('metric-curves').waitFor({ state: 'detached' });
  });

  it('switches a sweep table by budget and seed, and draws its efficiency curve', async () => {
    await page.locator(`[data-testid="run-row"][data-run-id="${seeded.sweepId}"]`).getByRole('button').click();
    await page.getByTestId('comparison-budget').waitFor();
    const cell = page.locator('[data-testid="comparison-row"][data-label="DRT"] [data-testid="comparison-cell"][data-arm="dino_linear"]');
    await expect.poll(() => cell.textContent()).toContain(armAuroc('dino_linear', 0, 1, 0).toFixed(3));
    await page.getByTestId('comparison-budget').selectOption({ label: '50 %' });
    await expect.poll(() => cell.textContent()).toContain(armAuroc('dino_linear', 0, 0.5, 0).toFixed(3));
    await page.getByTestId('comparison-seed').selectOption('1');
    await expect.poll(() => cell.textContent()).toContain(armAuroc('dino_linear', 0, 0.5, 1).toFixed(3));
    await expect.poll(() => drawnPixels('efficiency-chart'), { timeout: 10_000 }).toBeGreaterThan(500);
    expect(await page.getByTestId('efficiency-table').locator('tbody tr').count()).toBe(6); // 2 arms × 3 budgets
    await shot('train-03-sweep.png', 'efficiency');
  });

  it('browses predictions sorted by confidence and opens an image in the viewer', async () => {
    await page.locator(`[data-testid="run-row"][data-run-id="${seeded.pipelineId}"]`).getByRole('button').click();
    const predictions = page.getByTestId('predictions');
    await expect.poll(() => predictions.getByTestId('prediction-row').count()).toBe(12);
    const desc = await probabilities();
    expect(desc).toEqual([...desc].sort((a, b) => b - a));

    await predictions.getByTestId('predictions-sort').selectOption('confidence_asc');
    await expect.poll(async () => (await probabilities())[0]).toBe(Math.min(...desc));
    const asc = await probabilities();
    expect(asc).toEqual([...asc].sort((a, b) => a - b));

    await predictions.getByTestId('predictions-arm').selectOption('supervised');
    await predictions.getByTestId('predictions-label').selectOption({ label: 'SRF' });
    await predictions.getByTestId('predictions-sort').selectOption('most_wrong');
    await expect.poll(async () => (await predictions.getByTestId('prediction-truth').allTextContents()).at(-1)).toBe('unknown');
    const truths = await predictions.getByTestId('prediction-truth').allTextContents();
    const probs = await probabilities();
    const errors = truths.map((t, i) => (t === 'present' ? 1 - probs[i]! : t === 'absent' ? probs[i]! : -1));
    expect(errors).toEqual([...errors].sort((a, b) => b - a));
    // Thumbnails load from the image ids.
    await expect
      .poll(() => predictions.locator('img').evaluateAll((imgs) => imgs.filter((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0).length), { timeout: 15_000 })
      .toBe(12);
    await shot('train-04-predictions.png', 'predictions');

    const first = predictions.getByTestId('prediction-row').first();
    const imageId = await first.getAttribute('data-image-id');
    // Keyboard: the file name is a button.
    await first.getByRole('button', { name: /^P\d_OD_s\d\.png$/ }).focus();
    await page.keyboard.press('Enter');
    const viewer = page.getByTestId('image-viewer');
    await viewer.waitFor();
    expect(page.url()).toMatch(new RegExp(`#/train/image/${imageId}$`));
    await expect.poll(() => viewer.getAttribute('data-image-id')).toBe(imageId);
    await expect.poll(() => page.getByTestId('viewer-position').textContent()).toBe('Image 1 of 12');
    await expect
      .poll(() => page.getByTestId('viewer-canvas').evaluate((el) => {
        const c = el as HTMLCanvasElement;
        return c.width > 0 && c.height > 0;
      }))
      .toBe(true);
    await page.getByTestId('viewer-canvas').click();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.getByTestId('viewer-position').textContent()).toBe('Image 2 of 12');
    await shot('train-05-viewer.png');
    await page.keyboard.press('Escape');
    await predictions.waitFor();
    expect(page.url()).toMatch(/#\/train$/);
    // Back on the row of the image last shown, from the keyboard too.
    const shown = await page.evaluate(() => document.activeElement?.closest('[data-testid="prediction-row"]')?.getAttribute('data-image-id'));
    expect(shown).toBe(await predictions.getByTestId('prediction-row').nth(1).getAttribute('data-image-id'));
  });

  it('shows every setting of the chosen preset with its hint and sends valid pipeline params', async () => {
    const form = page.getByTestId('pipeline-form');
    await expect.poll(() => form.getByTestId('pipeline-preset').inputValue()).toBe('quick');
    await form.getByTestId('preset-settings').locator('summary').click();
    const epochs = form.getByLabel('epochs', { exact: true });
    expect(await epochs.inputValue()).toBe(String(PIPELINE_PRESETS.quick.pretrain.epochs));
    for (const key of Object.keys(PIPELINE_PRESETS.quick.pretrain)) expect(await form.getByTestId('pretrain-settings').locator(`#pretrain-${key}`).count(), key).toBe(1);
    for (const key of Object.keys(PIPELINE_PRESETS.quick.downstream)) expect(await form.getByTestId('downstream-settings').locator(`#downstream-${key}`).count(), key).toBe(1);
    expect(await form.locator('#pretrain-outDim-hint').textContent()).toMatch(/65536/);

    await form.getByTestId('pipeline-preset').selectOption('standard');
    await expect.poll(() => epochs.inputValue()).toBe(String(PIPELINE_PRESETS.standard.pretrain.epochs));
    await epochs.fill('7');
    await form.locator('#downstream-cropScale').fill('0.5, 1');
    await form.getByLabel('Percent of labelled patients').fill('25');
    await form.getByRole('spinbutton', { name: 'Seed' }).fill('3');
    await form.getByRole('checkbox', { name: 'DINO k-NN' }).uncheck();
    await shot('train-06-pipeline-form.png', 'pipeline-form');
    await form.getByRole('button', { name: 'Run pipeline' }).click();

    await expect.poll(() => pipelineStarts.length).toBe(1);
    const { params } = pipelineStarts[0]!;
    expect(params).toMatchObject({
      labelSet: 'Biomarkers',
      labels: { kind: 'fraction', value: 0.25 },
      preset: 'standard',
      seed: 3,
      arms: ['dino_linear', 'dino_finetune', 'supervised'],
      pretrain: { ...PIPELINE_PRESETS.standard.pretrain, epochs: 7 },
      downstream: { ...PIPELINE_PRESETS.standard.downstream, cropScale: [0.5, 1] },
    });
    expect(pipelineParamsSchema.safeParse(params).error).toBeUndefined();
    // The refusal goes through the one error path.
    await expect.poll(() => page.getByRole('alert').filter({ hasText: 'Could not start the pipeline' }).count()).toBeGreaterThan(0);
  });

  it('logged no errors in the page console', () => {
    expect(consoleErrors).toEqual([]);
  });
});
