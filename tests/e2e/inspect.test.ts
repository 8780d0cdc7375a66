/**
 * The Inspect view in real Chromium through the real web mode, on a project with a tiny real
 * ViT pretraining, its PCA map and a tiny ResNet classifier (tests/e2e/support/inspect-fixtures.ts):
 * attention overlays that change with the head and the mass threshold, attention over training,
 * patch-feature colours of two images and the ResNet's Grad-CAM, the embedding map drawn with a
 * hover card, a click into the viewer, a box selection sent to the annotation queue, UMAP
 * computed by a real job from the UI, the training charts, and frames per second of a scripted
 * pan and zoom.
 *
 * The 78k-point measurement needs a map of 78k images, which this machine cannot pretrain in a
 * test: for that one step the test routes the page's WebSocket and answers `inspect.embeddingMap`
 * with the real 30-point map repeated 2,600 times with jitter (real image ids, so hover works).
 * Numbers are printed; screenshots go to tests/e2e/__output__/.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInspectProject, TINY_PRETRAIN, type InspectProject } from './support/inspect-fixtures.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, OUTPUT_DIR, ensureRendererBuilt, startWebServer, type WebServer } from './support/web-server.js';

let server: WebServer;
let browser: Browser;
let page: Page;
let workDir: string;
let seeded: InspectProject;
const consoleErrors: string[] = [];
/** Points of the stand-in map (0: answer with the real map). */
let inflateTo = 0;
const LARGE = 78_000;

type MapColumns = { imageIds: number[]; x: number[]; y: number[]; patient: unknown[]; eye: unknown[]; visit: unknown[]; subset: unknown[]; labels: { name: string; values: unknown[] }[] };

/** The real map's points repeated to `n` with a little jitter (a stand-in for a 78k-image map). */
function inflate(map: MapColumns, n: number): MapColumns {
  const k = map.imageIds.length;
  const pick = <T>(col: T[]) => Array.from({ length: n }, (_, i) => col[i % k]!);
  let seed = 12345;
  // A Gaussian-ish cloud round each real point (sum of three uniforms from a seeded LCG).
  const noise = () => {
    let sum = 0;
    for (let j = 0; j < 3; j++) sum += (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5;
    return sum;
  };
  const spread = (col: number[]) => {
    const span = Math.max(...col) - Math.min(...col) || 1;
    return Array.from({ length: n }, (_, i) => col[i % k]! + span * 0.06 * noise());
  };
  return { ...map, imageIds: pick(map.imageIds), x: spread(map.x), y: spread(map.y), patient: pick(map.patient), eye: pick(map.eye), visit: pick(map.visit), subset: pick(map.subset), labels: map.labels.map((l) => ({ name: l.name, values: pick(l.values) })) };
}

beforeAll(async () => {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  ensureRendererBuilt();
  workDir = mkdtempSync(path.join(os.tmpdir(), 'octdino-e2e-inspect-'));
  const started = Date.now();
  seeded = await createInspectProject(path.join(workDir, 'study'));
  console.log(`[inspect e2e] seeded project (demo data, tiny ViT pretraining, PCA map) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  server = await startWebServer({ project: seeded.dir });
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.origin });
  page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(`page error: ${error.message}`));
  await page.routeWebSocket(/\/api\/ws$/, (ws) => {
    const core = ws.connectToServer();
    const mapCalls = new Set<number>();
    ws.onMessage((message) => {
      const request = JSON.parse(String(message)) as { id: number; method: string };
      if (request.method === 'inspect.embeddingMap') mapCalls.add(request.id);
      core.send(message);
    });
    core.onMessage((message) => {
      const reply = JSON.parse(String(message)) as { id?: number; ok?: boolean; result?: MapColumns | null };
      if (inflateTo > 0 && reply.id !== undefined && mapCalls.has(reply.id) && reply.ok && reply.result) {
        ws.send(JSON.stringify({ ...reply, result: inflate(reply.result, inflateTo) }));
        return;
      }
      ws.send(message);
    });
  });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

const shot = (name: string) => page.screenshot({ path: path.join(OUTPUT_DIR, name) });

/** A digest of a canvas's pixels (changes when anything drawn changes) and how many are not transparent. */
function canvasDigest(locator: ReturnType<Page['locator']>): Promise<{ hash: number; opaque: number; nonWhite: number }> {
  return locator.evaluate((el) => {
    const canvas = el as HTMLCanvasElement;
    const ctx = canvas.getContext('2d');
    if (!ctx || canvas.width === 0) return { hash: 0, opaque: 0, nonWhite: 0 };
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    let hash = 0;
    let opaque = 0;
    let nonWhite = 0;
    for (let i = 0; i < data.length; i += 4) {
      hash = (Math.imul(hash, 31) + data[i]! + 3 * data[i + 1]! + 7 * data[i + 2]! + 11 * data[i + 3]!) | 0;
      if (data[i + 3]! > 0) opaque++;
      if (data[i + 3]! > 0 && (data[i]! < 250 || data[i + 1]! < 250 || data[i + 2]! < 250)) nonWhite++;
    }
    return { hash, opaque, nonWhite };
  });
}

/** A call to the core over the web host's HTTP API (as a second client would). */
async function call<T>(method: string, input: unknown): Promise<T> {
  const res = await fetch(`${server.origin}/api/call/${method}`, { method: 'POST', body: JSON.stringify(input), headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' } });
  const body = (await res.json()) as { ok: boolean; result?: T; error?: { message: string } };
  if (!body.ok) throw new Error(`${method}: ${body.error?.message}`);
  return body.result as T;
}

const overlay = () => page.getByTestId('attention-overlay').first();

describe('the Inspect view in Chromium', () => {
  it('draws the attention of an image over the B-scan, and the overlay changes with the head and the threshold', async () => {
    await page.goto(server.url);
    await expect.poll(() => page.getByTestId('header-project').textContent()).toContain('Inspect e2e');
    await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Inspect' }).click();
    await expect.poll(() => page.getByTestId('attention-run').inputValue(), { timeout: 15_000 }).toBe(String(seeded.runId));
    // The picker chose the first image; its maps arrive and the overlay is drawn at the scan's resolution.
    await expect.poll(() => page.getByTestId('attention-facts').count(), { timeout: 60_000 }).toBe(1);
    await expect.poll(() => overlay().getAttribute('data-draw-ms'), { timeout: 15_000 }).not.toBe('');
    const facts = await page.getByTestId('attention-facts').textContent();
    expect(facts).toMatch(/2 heads on a 4 × 4 grid/);
    console.log(`[inspect e2e] attention latency as the UI saw it: ${await page.getByTestId('attention-latency').textContent()} (${facts?.match(/\((\d+) ms on the core\)/)?.[1]} ms on the core); overlay drawn in ${await overlay().getAttribute('data-draw-ms')} ms`);
    expect(await overlay().evaluate((c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height])).toEqual([160, 124]);
    const mean = await canvasDigest(overlay());
    expect(mean.opaque).toBeGreaterThan(0);
    expect(mean.opaque).toBeLessThan(160 * 124); // the 0.6 mass threshold hides part of the scan
    await shot('inspect-01-attention-mean.png');

    await page.getByTestId('attention-head').selectOption('1');
    await expect.poll(async () => (await canvasDigest(overlay())).hash).not.toBe(mean.hash);
    const head2 = await canvasDigest(overlay());

    await page.getByTestId('attention-threshold').fill('0.95');
    await expect.poll(async () => (await canvasDigest(overlay())).opaque).toBeGreaterThan(head2.opaque);
    await page.getByTestId('attention-threshold-on').uncheck();
    await expect.poll(async () => (await canvasDigest(overlay())).opaque).toBe(160 * 124);

    // Keyboard: the colour map select moves with the arrow keys.
    await page.getByTestId('attention-threshold-on').check();
    const before = (await canvasDigest(overlay())).hash;
    await page.getByTestId('attention-colour-map').focus();
    await page.keyboard.press('ArrowDown');
    await expect.poll(async () => (await canvasDigest(overlay())).hash).not.toBe(before);

    // Rollout: the maps are computed again (through all blocks) and the overlay changes.
    const beforeRollout = (await canvasDigest(overlay())).hash;
    await page.getByTestId('attention-rollout').check();
    await expect.poll(() => page.getByTestId('attention-facts').textContent(), { timeout: 30_000 }).toContain('rollout');
    await expect.poll(async () => (await canvasDigest(overlay())).hash).not.toBe(beforeRollout);
    console.log(`[inspect e2e] attention latency with rollout, model already loaded: ${await page.getByTestId('attention-latency').textContent()}`);
    await page.getByTestId('attention-rollout').uncheck();
    await expect.poll(() => page.getByTestId('attention-facts').textContent(), { timeout: 30_000 }).not.toContain('rollout');
    console.log(`[inspect e2e] attention latency again without rollout: ${await page.getByTestId('attention-latency').textContent()}`);

    await page.getByTestId('attention-head').selectOption('all');
    await expect.poll(() => page.getByTestId('attention-panel').count()).toBe(3); // two heads and the mean
    await shot('inspect-02-attention-all-heads.png');
  });

  it('shows the attention at kept checkpoints side by side (over training)', async () => {
    await page.getByTestId('attention-head').selectOption('mean');
    await page.getByTestId('attention-over-training-load').click();
    const frames = page.getByTestId('attention-over-training').getByTestId('attention-overlay');
    const expected = Math.min(4, seeded.checkpoints) + 1;
    await expect.poll(() => frames.count(), { timeout: 60_000 }).toBe(expected);
    for (let i = 0; i < expected; i++) await expect.poll(() => frames.nth(i).getAttribute('data-draw-ms'), { timeout: 10_000 }).not.toBe('');
    await page.getByTestId('attention-over-training').scrollIntoViewIfNeeded();
    await shot('inspect-03-attention-over-training.png');
  });

  it('links from the Dataset image viewer to that image’s attention', async () => {
    const id = seeded.imageIds[3]!;
    await page.evaluate((hash) => (window.location.hash = hash), `#/dataset/image/${id}`);
    await expect.poll(() => page.getByTestId('image-viewer').getAttribute('data-image-id'), { timeout: 15_000 }).toBe(String(id));
    await page.getByTestId('viewer-inspect').click();
    await expect.poll(() => page.getByTestId('attention-facts').textContent(), { timeout: 30_000 }).toMatch(new RegExp(`^\\s*Image ${id} `));
  });

  it('colours the patch features of two images (shared principal components) and shows the ResNet’s Grad-CAM per biomarker', async () => {
    await page.getByRole('tab', { name: 'Patch features' }).click();
    await expect.poll(() => page.getByTestId('features-run').inputValue(), { timeout: 15_000 }).toBe(String(seeded.runId));
    // The first two images are chosen; their colours come in one call and are drawn over each scan.
    await expect.poll(() => page.getByTestId('features-facts').count(), { timeout: 60_000 }).toBe(1);
    expect(await page.getByTestId('features-facts').textContent()).toMatch(/2 images on a 4 × 4 grid/);
    const canvases = page.getByTestId('patch-canvas');
    expect(await canvases.count()).toBe(2);
    for (let i = 0; i < 2; i++) await expect.poll(() => canvases.nth(i).getAttribute('data-draw-ms'), { timeout: 15_000 }).not.toBe('');
    expect(await canvases.first().evaluate((c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height])).toEqual([160, 124]);
    const [a, b] = [await canvasDigest(canvases.nth(0)), await canvasDigest(canvases.nth(1))];
    expect(a.nonWhite).toBeGreaterThan(1000); // coloured patches, not an empty layer
    expect(b.nonWhite).toBeGreaterThan(1000);
    expect(a.hash).not.toBe(b.hash); // each image has its own parts
    await shot('inspect-03b-patch-features.png');
    // Beside the scan (opaque), and smooth.
    await page.getByTestId('features-layout').selectOption('beside');
    await expect.poll(async () => (await canvasDigest(canvases.first())).hash).not.toBe(a.hash);
    const beside = (await canvasDigest(canvases.first())).hash;
    await page.getByTestId('features-resample').selectOption('bilinear');
    await expect.poll(async () => (await canvasDigest(canvases.first())).hash).not.toBe(beside);
    await shot('inspect-03c-patch-features-beside.png');

    // The ResNet refuses patch features in place; its Grad-CAM is one click away.
    await page.getByTestId('features-run').selectOption(String(seeded.resnetRunId));
    await expect.poll(() => page.getByTestId('features-error').textContent(), { timeout: 60_000 }).toMatch(/patch features need a ViT/);
    await page.getByRole('button', { name: 'Show its Grad-CAM instead' }).click();
    const cams = page.getByTestId('gradcam-panels').getByTestId('attention-overlay');
    await expect.poll(() => cams.count(), { timeout: 60_000 }).toBe(2);
    for (let i = 0; i < 2; i++) await expect.poll(() => cams.nth(i).getAttribute('data-draw-ms'), { timeout: 15_000 }).not.toBe('');
    const targets = await page.getByTestId('features-target').locator('option').allTextContents();
    expect(targets.length).toBeGreaterThan(1); // one map per biomarker of the demo label set
    const first = await canvasDigest(cams.first());
    expect(first.opaque).toBe(160 * 124);
    // Another biomarker: the panel shows its map (a 2 × 2 grid on the fixture's 64-px inputs).
    const panel = page.getByTestId('gradcam-panels').getByTestId('attention-panel').first();
    const imageId = Number(await page.getByTestId('gradcam-panel').first().getAttribute('data-image-id'));
    await page.getByTestId('features-target').selectOption({ index: 1 });
    await expect.poll(() => panel.getAttribute('data-title')).toBe(`Image ${imageId} · ${targets[1]}`);
    await expect.poll(async () => (await canvasDigest(cams.first())).hash).not.toBe(first.hash);
    expect(await page.getByTestId('features-facts').textContent()).toMatch(/on a 2 × 2 grid \(64 px input\)/);
    console.log(`[inspect e2e] Grad-CAM of the ResNet run: ${targets.length} targets (${targets.join(', ')})`);
    await shot('inspect-03d-gradcam.png');
  }, 120_000);

  it('draws the embedding map, shows a thumbnail on hover and opens the image on click', async () => {
    await page.getByRole('tab', { name: 'Embedding map' }).click();
    await expect.poll(() => page.getByTestId('embedding-status').getAttribute('data-status'), { timeout: 15_000 }).toBe('ready');
    expect(await page.getByTestId('embedding-count').textContent()).toContain(`${seeded.imageIds.length} images`);
    const canvas = page.getByTestId('embedding-canvas');
    await expect.poll(async () => (await canvasDigest(canvas)).nonWhite).toBeGreaterThan(30);
    expect(await page.getByTestId('embedding-legend').locator('li').count()).toBe(6); // six patients

    // Hover the first drawn point: find a coloured pixel, move there.
    const point = await canvas.evaluate((el) => {
      const c = el as HTMLCanvasElement;
      const { data } = c.getContext('2d')!.getImageData(0, 0, c.width, c.height);
      for (let i = 0; i < data.length; i += 4) if (data[i]! < 250 || data[i + 1]! < 250 || data[i + 2]! < 250) {
        const r = c.getBoundingClientRect();
        const dpr = c.width / r.width;
        return { x: r.left + ((i / 4) % c.width) / dpr + 1, y: r.top + Math.floor(i / 4 / c.width) / dpr + 1 };
      }
      return null;
    });
    expect(point).not.toBeNull();
    await page.mouse.move(point!.x, point!.y);
    const hover = page.getByTestId('embedding-hover');
    await expect.poll(() => hover.count()).toBe(1);
    await expect.poll(() => hover.locator('img').evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    expect(await hover.textContent()).toMatch(/patient/);
    await shot('inspect-04-embedding-hover.png');
    const hoveredId = await hover.getAttribute('data-image-id');
    await page.mouse.down();
    await page.mouse.up();
    await expect.poll(() => page.getByTestId('image-viewer').getAttribute('data-image-id')).toBe(hoveredId);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('embedding-canvas').count()).toBe(1);
  });

  it('selects points with a shift-drag box, sends them to the annotation queue (Annotate shows it) and copies their ids', async () => {
    const box = (await page.getByTestId('embedding-canvas').boundingBox())!;
    await page.keyboard.down('Shift');
    await page.mouse.move(box.x + 2, box.y + 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 4 });
    await page.mouse.move(box.x + box.width - 2, box.y + box.height - 2, { steps: 4 });
    await page.mouse.up();
    await page.keyboard.up('Shift');
    const selection = page.getByTestId('embedding-selection');
    await expect.poll(async () => Number((await selection.locator('strong').textContent())?.replace(/,/g, ''))).toBe(seeded.imageIds.length);
    const labelSet = Number(await page.getByTestId('embedding-queue-set').inputValue());
    await page.getByTestId('embedding-send').click();
    await expect.poll(() => page.getByTestId('embedding-queued').textContent(), { timeout: 10_000 }).toContain(`Queue of ${seeded.imageIds.length} images made`);
    const queue = await call<{ id: number; strategy: string; items: { imageId: number; reason: string }[] }>('annotations.queue', { labelSetId: labelSet });
    expect(queue.strategy).toBe('manual');
    expect(queue.items.map((i) => i.imageId).sort((a, b) => a - b)).toEqual(seeded.imageIds);
    expect(queue.items[0]!.reason).toBe(`chosen on the PCA map of run ${seeded.runId}`);

    // The secondary action still copies the ids.
    await page.getByTestId('embedding-copy').click();
    await expect.poll(() => selection.textContent()).toMatch(/copied to the clipboard|Could not use the clipboard/);
    const copied = await page.evaluate(() => navigator.clipboard.readText().catch(() => ''));
    if (copied) expect(copied.split('\n').map(Number).sort((a, b) => a - b)).toEqual(seeded.imageIds);
    await shot('inspect-04b-embedding-queued.png');

    // The Annotate view opens the queue's label set and follows its newest queue: this one.
    const link = page.getByTestId('embedding-queued').getByRole('link', { name: 'open Annotate' });
    expect(await link.getAttribute('href')).toMatch(/^#\/annotate\/set\/\d+$/);
    await link.click();
    await expect.poll(() => page.getByTestId('queue-items').locator('summary').textContent(), { timeout: 15_000 }).toMatch(new RegExp(`#${queue.id}: manual, ${seeded.imageIds.length} images`));
    await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Inspect' }).click();
    await page.getByRole('tab', { name: 'Embedding map' }).click();
    await expect.poll(() => page.getByTestId('embedding-status').getAttribute('data-status'), { timeout: 15_000 }).toBe('ready');
    expect(consoleErrors).toEqual([]);
  });

  it('computes the UMAP map with a real job from the UI', async () => {
    await page.getByRole('radio', { name: /UMAP/ }).check();
    await expect.poll(() => page.getByTestId('embedding-status').getAttribute('data-status')).toBe('missing');
    await page.getByTestId('embedding-compute').click();
    await expect.poll(() => page.getByTestId('embedding-status').getAttribute('data-status'), { timeout: 90_000, interval: 500 }).toBe('ready');
    await expect.poll(async () => (await canvasDigest(page.getByTestId('embedding-canvas'))).nonWhite).toBeGreaterThan(30);
    // Colour by a label of the demo's label set.
    await page.getByTestId('embedding-label-set').selectOption({ index: 1 });
    await expect.poll(() => page.getByTestId('embedding-colour').inputValue()).toMatch(/^label:/);
    await expect.poll(() => page.getByTestId('embedding-legend').textContent()).toMatch(/present|absent/);
    await shot('inspect-05-embedding-umap-label.png');
  }, 150_000);

  it('stays interactive with 78k points: frames per second of a scripted pan and zoom', async () => {
    const measure = async (label: string): Promise<number> => {
      const canvas = page.getByTestId('embedding-canvas');
      const box = (await canvas.boundingBox())!;
      const [cx, cy] = [box.x + box.width / 2, box.y + box.height / 2];
      await page.mouse.move(cx, cy);
      const draws0 = Number(await canvas.getAttribute('data-draws'));
      const drawMs0 = Number(await canvas.getAttribute('data-draw-ms'));
      // Count the frames the page renders while the mouse drags and the wheel zooms.
      await page.evaluate(() => {
        const w = window as unknown as { __frames: number; __run: boolean; __t0: number };
        w.__frames = 0;
        w.__run = true;
        w.__t0 = performance.now();
        const tick = () => {
          w.__frames++;
          if (w.__run) requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      });
      await page.mouse.down();
      for (let i = 0; i < 40; i++) await page.mouse.move(cx + 150 * Math.sin(i / 6), cy + 100 * Math.cos(i / 6));
      await page.mouse.up();
      for (let i = 0; i < 20; i++) await page.mouse.wheel(0, i < 10 ? -120 : 120);
      const { frames, seconds } = await page.evaluate(() => {
        const w = window as unknown as { __frames: number; __run: boolean; __t0: number };
        w.__run = false;
        return { frames: w.__frames, seconds: (performance.now() - w.__t0) / 1000 };
      });
      const draws = Number(await canvas.getAttribute('data-draws')) - draws0;
      const perDraw = (Number(await canvas.getAttribute('data-draw-ms')) - drawMs0) / Math.max(1, draws);
      const fps = frames / seconds;
      console.log(
        `[inspect e2e] ${label}: ${fps.toFixed(1)} frames/s over ${seconds.toFixed(2)} s of pan and zoom (the display's rate caps it); ` +
          `${draws} redraws of the plot at ${perDraw.toFixed(2)} ms each; rasterising all points when the view settles: ${await canvas.getAttribute('data-raster-ms')} ms`,
      );
      return fps;
    };
    await measure(`${seeded.imageIds.length} points`);
    inflateTo = LARGE;
    await page.getByRole('radio', { name: /PCA/ }).check();
    await expect.poll(() => page.getByTestId('embedding-count').textContent(), { timeout: 20_000 }).toContain('78,000 images');
    await expect.poll(async () => (await canvasDigest(page.getByTestId('embedding-canvas'))).nonWhite).toBeGreaterThan(1000);
    const fps = await measure(`${LARGE.toLocaleString('en-US')} points`);
    inflateTo = 0;
    await shot('inspect-06-embedding-78k.png');
    expect(fps).toBeGreaterThan(10);
  });

  it('charts the pretraining run’s curves: loss, schedules and the collapse monitor', async () => {
    await page.getByRole('tab', { name: 'Training charts' }).click();
    // The newest run is charted first (the ResNet classifier): chart the teacher instead.
    const run = page.locator(`[data-testid="charts-run"][data-run-id="${seeded.runId}"] input`);
    const cnn = page.locator(`[data-testid="charts-run"][data-run-id="${seeded.resnetRunId}"] input`);
    await expect.poll(() => cnn.isChecked(), { timeout: 15_000 }).toBe(true);
    await run.check();
    await cnn.uncheck();
    await expect.poll(() => run.isChecked()).toBe(true);
    await expect.poll(() => cnn.isChecked()).toBe(false);
    const chart = (metric: string) => page.locator(`[data-testid="training-chart"][data-metric="${metric}"] canvas`);
    await expect.poll(() => chart('loss').count()).toBe(1);
    for (const metric of ['loss', 'lr', 'teacher_entropy', 'kl_teacher_student']) await expect.poll(async () => (await canvasDigest(chart(metric))).opaque, { timeout: 10_000 }).toBeGreaterThan(200);
    expect(await page.getByTestId('chart-group').evaluateAll((groups) => groups.map((g) => (g as HTMLElement).dataset.group))).toEqual(expect.arrayContaining(['Loss', 'Schedules', 'Collapse monitor']));
    await shot('inspect-07-charts.png');
  });

  it('follows a run while it trains: it appears, and its curves grow until it ends', async () => {
    const job = await call<{ id: number }>('jobs.start', { kind: 'pretrain', params: { ...TINY_PRETRAIN, epochs: 8 } });
    const runs = page.getByTestId('charts-run');
    await expect.poll(() => runs.count(), { timeout: 20_000 }).toBe(3); // the teacher, the ResNet classifier and the new one
    const newRun = Number(await runs.first().getAttribute('data-run-id'));
    expect(newRun).not.toBe(seeded.runId);
    await runs.first().locator('input').check();
    const loss = page.locator('[data-testid="training-chart"][data-metric="loss"]');
    const seen = new Set<number>();
    let live = false;
    for (const started = Date.now(); Date.now() - started < 60_000; ) {
      seen.add(Number(await loss.getAttribute('data-points')));
      live ||= (await page.locator('.live').count()) > 0;
      const status = (await call<{ id: number; status: string }[]>('jobs.list', {})).find((j) => j.id === job.id)?.status;
      if (status !== 'running' && status !== 'queued') break;
      await page.waitForTimeout(250);
    }
    const [own, other] = await Promise.all([newRun, seeded.runId].map((id) => call<{ name: string; total: number }[]>('runs.metrics', { id, names: ['loss'] })));
    const total = own![0]!.total + other![0]!.total;
    await expect.poll(() => loss.getAttribute('data-points'), { timeout: 10_000 }).toBe(String(total));
    console.log(`[inspect e2e] live charts: loss points seen while the run trained: ${[...seen].sort((a, b) => a - b).join(', ')} → ${total} at the end; "Live" shown: ${live}`);
    expect(consoleErrors).toEqual([]);
  }, 90_000);
});
