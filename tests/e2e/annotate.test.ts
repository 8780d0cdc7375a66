/**
 * The Annotate view in real Chromium through the real web mode, on a small project of real PNG
 * B-scans (support/annotate-fixtures.ts): a label set made in the editor (and the OLIVES preset),
 * a "what to label next" queue computed by the real `annotate.queue` job, two annotators labelling
 * the queue with the keyboard only (with U, 0 and undo), the labels still there after a reload
 * (on screen and through the HTTP API), the agreement view's Cohen's kappa against the value the
 * test computes from the labels it gave, and an adjudication from a disagreement.
 *
 * Latencies are measured in the page: key press → the `annotations.set` answer (the screen's
 * `data-saves` counter moves when it arrives) and key press → the next image's frame (the frame
 * after the screen switched image). They are printed, and only bounded generously: this machine
 * is small and shared. Screenshots go to tests/e2e/__output__/.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnnotateProject } from './support/annotate-fixtures.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, OUTPUT_DIR, ensureRendererBuilt, startWebServer, type WebServer } from './support/web-server.js';

type V = 'present' | 'absent';
const P: V = 'present';
const A: V = 'absent';
/** What each annotator gives, by position in the queue: DRT disagrees once (κ = 0.5), IRF never (κ = 1). */
const GIVEN: Record<'Ada' | 'Bo', { DRT: V[]; IRF: V[] }> = {
  Ada: { DRT: [P, P, A, A], IRF: [P, A, P, A] },
  Bo: { DRT: [P, A, A, A], IRF: [P, A, P, A] },
};

/** Cohen's kappa of two raters' values on the same items. */
function cohenKappa(a: readonly string[], b: readonly string[]): number {
  const n = a.length;
  const categories = [...new Set([...a, ...b])];
  const observed = a.filter((x, i) => x === b[i]).length / n;
  const expected = categories.reduce((sum, c) => sum + (a.filter((x) => x === c).length / n) * (b.filter((x) => x === c).length / n), 0);
  return (observed - expected) / (1 - expected);
}

/** Keys that give (DRT, IRF) on an unlabelled image: both present by toggling, else 0 (all absent) then toggles. */
function keysFor(drt: V, irf: V): string[] {
  if (drt === P && irf === P) return ['1', '2'];
  return ['0', ...(drt === P ? ['1'] : []), ...(irf === P ? ['2'] : [])];
}

let server: WebServer;
let browser: Browser;
let page: Page;
let workDir: string;
const consoleErrors: string[] = [];

beforeAll(async () => {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  ensureRendererBuilt();
  workDir = mkdtempSync(path.join(os.tmpdir(), 'octdino-e2e-annotate-'));
  const seeded = await createAnnotateProject(path.join(workDir, 'study'));
  server = await startWebServer({ project: seeded.dir });
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(`page error: ${error.message}`));
  // Latency probes, installed before the app's scripts on every load.
  await page.addInitScript(() => {
    const w = window as unknown as { __lat: { saves: number[]; shows: number[] }; __key: number };
    // Kept in sessionStorage: the test reloads the page half-way.
    w.__lat = JSON.parse(sessionStorage.getItem('annotate-latencies') ?? '{"saves":[],"shows":[]}') as typeof w.__lat;
    const keep = (): void => sessionStorage.setItem('annotate-latencies', JSON.stringify(w.__lat));
    w.__key = 0;
    document.addEventListener('keydown', () => (w.__key = performance.now()), true);
    new MutationObserver((mutations) => {
      for (const m of mutations) {
        const el = m.target as HTMLElement;
        if (el.dataset.testid !== 'annotate-screen') continue;
        const t0 = w.__key;
        if (m.attributeName === 'data-saves' && Number(el.dataset.saves) > Number(m.oldValue ?? 0)) {
          w.__lat.saves.push(performance.now() - t0);
          keep();
        }
        if (m.attributeName === 'data-image-id' && m.oldValue) requestAnimationFrame(() => {
            w.__lat.shows.push(performance.now() - t0);
            keep();
          });
      }
    }).observe(document, { subtree: true, attributes: true, attributeOldValue: true, attributeFilter: ['data-saves', 'data-image-id'] });
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

async function call<T>(method: string, input: unknown = {}): Promise<T> {
  const res = await fetch(`${server.origin}/api/call/${method}`, { method: 'POST', body: JSON.stringify(input), headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' } });
  const body = (await res.json()) as { ok: boolean; result: T; error?: { message: string } };
  if (!body.ok) throw new Error(`${method}: ${body.error?.message}`);
  return body.result;
}

const shot = (name: string) => page.screenshot({ path: path.join(OUTPUT_DIR, name) });
const screen = () => page.getByTestId('annotate-screen');
const row = (label: string) => page.locator(`[data-testid="label-row"][data-label="${label}"]`);
const valueOf = (label: string) => row(label).getAttribute('data-value');

/** Presses a label key and waits until the core answered it. */
async function pressAndSave(key: string): Promise<void> {
  const before = Number(await screen().getAttribute('data-saves'));
  await page.keyboard.press(key);
  await expect.poll(async () => Number(await screen().getAttribute('data-saves')) > before && (await screen().getAttribute('data-pending')) === '0').toBe(true);
}

/** Next image (Enter), waiting until its labels are on screen. */
async function next(expectedIndex: number): Promise<void> {
  await page.keyboard.press('Enter');
  await expect.poll(() => screen().getAttribute('data-index')).toBe(String(expectedIndex));
  await row('DRT').waitFor();
}

async function openAnnotate(): Promise<void> {
  await page.goto(`${server.url}#/annotate`);
  await expect.poll(() => page.getByTestId('header-project').textContent()).toContain('Annotate e2e');
  await page.getByTestId('annotate-view').waitFor();
}

/** Starts labelling as `name` and waits for the first image with its labels. */
async function startAs(name: string): Promise<void> {
  await page.getByTestId('annotator-name').fill(name);
  await page.getByTestId('annotate-start-button').click();
  await screen().waitFor();
  await row('DRT').waitFor();
  await expect.poll(() => page.getByTestId('viewer-canvas').evaluate((el) => (el as HTMLCanvasElement).width)).toBeGreaterThan(0);
}

/** Labels the queue's four images from the keyboard as GIVEN[name]. */
async function labelQueue(name: 'Ada' | 'Bo', extra: (position: number) => Promise<void> = async () => {}): Promise<void> {
  for (let i = 0; i < 4; i++) {
    if (i > 0) await next(i);
    for (const key of keysFor(GIVEN[name].DRT[i]!, GIVEN[name].IRF[i]!)) await pressAndSave(key);
    await extra(i);
    expect([await valueOf('DRT'), await valueOf('IRF')]).toEqual([GIVEN[name].DRT[i], GIVEN[name].IRF[i]]);
  }
}

let labelSetId = 0;
let queueIds: number[] = [];

describe('the Annotate view in Chromium', () => {
  it('makes a label set in the editor and adds the OLIVES preset', async () => {
    await openAnnotate();
    await page.getByTestId('annotate-tab-sets').click();
    await page.getByTestId('new-set-name').fill('Biomarkers');
    await page.getByTestId('new-set-labels').fill('DRT\nIRF\n');
    await page.getByTestId('new-set-create').click();
    await page.getByTestId('label-set-edit').waitFor();
    await page.getByTestId('olives-preset').click();
    await expect.poll(() => page.getByTestId('label-set-edit').locator('h2').textContent()).toContain('OLIVES six biomarkers');
    expect(await page.getByTestId('label-set-edit').locator('li').count()).toBe(6);
    const sets = await call<{ id: number; name: string; labels: unknown[] }[]>('labelSets.list');
    expect(sets.map((s) => [s.name, s.labels.length])).toEqual([
      ['Biomarkers', 2],
      ['OLIVES six biomarkers', 6],
    ]);
    labelSetId = sets[0]!.id;
    await page.getByTestId('annotate-tab-label').click();
    await page.getByTestId('label-set-select').selectOption(String(labelSetId));
    await expect.poll(() => page.getByTestId('annotate-order').textContent()).toContain('No queue for this set');
  });

  it('computes a queue with the real job and follows it', async () => {
    await page.getByTestId('queue-strategy').selectOption('random');
    await page.getByTestId('queue-budget').fill('4');
    await page.getByText('At most one image per patient').click(); // off: two patients only
    await page.getByTestId('queue-compute').click();
    await expect.poll(() => page.getByTestId('queue-job').getAttribute('data-status'), { timeout: 90_000 }).toBe('completed');
    await expect.poll(() => page.getByTestId('annotate-order').textContent()).toContain('Follows queue');
    const queue = await call<{ items: { imageId: number }[] }>('annotations.queue', { labelSetId });
    queueIds = queue.items.map((i) => i.imageId);
    expect(queueIds).toHaveLength(4);
    await shot('annotate-01-start.png');
  });

  it('labels the queue with the keyboard only, with U, 0 and undo', async () => {
    await startAs('Ada');
    expect(await screen().getAttribute('data-image-id')).toBe(String(queueIds[0]));
    expect(await page.getByTestId('queue-reason').textContent()).toContain('Queue rank 1');
    await labelQueue('Ada', async (i) => {
      if (i === 1) {
        await pressAndSave('2'); // IRF present by mistake…
        expect(await valueOf('IRF')).toBe('present');
        await page.keyboard.press('Control+z'); // …undone
        await expect.poll(() => valueOf('IRF')).toBe('absent');
      }
      if (i === 3) {
        await pressAndSave('u'); // the label last touched (IRF, from the image before) is uncertain…
        expect(await valueOf('IRF')).toBe('uncertain');
        await page.keyboard.press('Control+z'); // …undone
        await expect.poll(() => valueOf('IRF')).toBe('absent');
      }
    });
    await shot('annotate-02-labelling.png');
    await page.keyboard.press('Enter');
    await page.getByTestId('annotate-finished').waitFor();
    await page.keyboard.press('Escape');
    await page.getByTestId('annotate-start').waitFor();
  });

  it('finds the labels after a reload, on screen and through the API', async () => {
    await page.reload();
    await page.getByTestId('annotate-view').waitFor();
    await expect.poll(() => page.getByTestId('annotator-name').inputValue()).toBe('Ada'); // remembered
    await expect.poll(() => page.getByTestId('label-set-select').inputValue()).toBe(String(labelSetId));
    const positives = (label: string) => page.locator(`[data-testid="balance-row"][data-label="${label}"] td`).nth(1).textContent();
    await expect.poll(() => positives('DRT')).toBe('2');
    expect(await positives('IRF')).toBe('2');
    expect(await page.getByTestId('balance-warning').count()).toBe(2); // 2 positives < 10, with the reason
    expect(await page.getByTestId('resolution').textContent()).toContain('8 human labels');

    const ada = (await call<{ id: number; name: string }[]>('annotators.list')).find((a) => a.name === 'Ada')!;
    for (const [i, imageId] of queueIds.entries()) {
      const labels = await call<{ name: string; mine: string | null }[]>('annotations.image', { imageId, labelSetId, annotatorId: ada.id });
      expect(labels.map((l) => l.mine)).toEqual([GIVEN.Ada.DRT[i], GIVEN.Ada.IRF[i]]);
    }
    // On screen: the whole queue is labelled, so a new session starts at its first image.
    await startAs('Ada');
    expect(await screen().getAttribute('data-image-id')).toBe(String(queueIds[0]));
    expect([await valueOf('DRT'), await valueOf('IRF')]).toEqual([GIVEN.Ada.DRT[0], GIVEN.Ada.IRF[0]]);
    await next(1);
    expect([await valueOf('DRT'), await valueOf('IRF')]).toEqual([GIVEN.Ada.DRT[1], GIVEN.Ada.IRF[1]]);
    await page.keyboard.press('Escape');
  });

  it('a second annotator labels the same images and the agreement view shows the expected kappa', async () => {
    await startAs('Bo');
    expect([await valueOf('DRT'), await valueOf('IRF')]).toEqual(['none', 'none']);
    // Ada's label shows as what training uses.
    expect(await row('DRT').getByTestId('label-effective').textContent()).toContain('Ada');
    await labelQueue('Bo');
    await page.keyboard.press('Escape');

    await page.getByTestId('annotate-tab-agreement').click();
    const kappa = (label: string) => page.locator(`[data-testid="agreement-label"][data-label="${label}"] [data-testid="pair-kappa"]`).textContent();
    const drt = cohenKappa(GIVEN.Ada.DRT, GIVEN.Bo.DRT);
    const irf = cohenKappa(GIVEN.Ada.IRF, GIVEN.Bo.IRF);
    expect(drt).toBe(0.5);
    await expect.poll(() => kappa('DRT')).toBe(drt.toFixed(3));
    expect(await kappa('IRF')).toBe(irf.toFixed(3));
    const disagreements = page.getByTestId('disagreement');
    expect(await disagreements.count()).toBe(1);
    expect(await disagreements.getAttribute('data-image-id')).toBe(String(queueIds[1]));
    await shot('annotate-03-agreement.png');
  });

  it('adjudicates a disagreement: the label is written as the adjudication and training uses it', async () => {
    await page.getByTestId('disagreement').click();
    await page.getByTestId('adjudication-badge').waitFor();
    await row('DRT').waitFor();
    expect(await screen().getAttribute('data-image-id')).toBe(String(queueIds[1]));
    await pressAndSave('1'); // Bo, as adjudicator: DRT present
    await expect.poll(() => row('DRT').getAttribute('data-source')).toBe('adjudication');
    expect(await row('DRT').getByTestId('label-effective').textContent()).toContain('adjudicated by Bo');
    await shot('annotate-04-adjudication.png');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('resolution').textContent()).toContain('1 adjudicated');
  });

  it('batch mode: selects a range, labels it with one call, and undoes it', async () => {
    await page.getByTestId('annotate-tab-batch').click();
    const tiles = page.getByTestId('batch-tile');
    // Only images with no DRT value yet: the four outside the queue.
    await expect.poll(() => tiles.count()).toBe(4);
    await tiles.nth(0).click();
    await tiles.nth(2).click({ modifiers: ['Shift'] });
    const picked = (await tiles.evaluateAll((els) => els.filter((e) => e.getAttribute('aria-pressed') === 'true').map((e) => Number((e as HTMLElement).dataset.imageId)))).sort((a, b) => a - b);
    expect(picked).toHaveLength(3);
    await page.getByTestId('batch-label').selectOption({ label: 'IRF' });
    await page.getByTestId('batch-value').selectOption('uncertain');
    await page.getByTestId('batch-apply').click();
    const bo = (await call<{ id: number; name: string }[]>('annotators.list')).find((a) => a.name === 'Bo')!;
    const irfOf = async (imageId: number) => (await call<{ name: string; mine: string | null }[]>('annotations.image', { imageId, labelSetId, annotatorId: bo.id }))[1]!.mine;
    await expect.poll(async () => Promise.all(picked.map(irfOf))).toEqual(['uncertain', 'uncertain', 'uncertain']);
    await shot('annotate-05-batch.png');
    await page.keyboard.press('Control+z');
    await expect.poll(async () => Promise.all(picked.map(irfOf))).toEqual([null, null, null]);
  });

  it('rolls a refused write back on screen with an error banner', async () => {
    // A second page whose socket the test answers for `annotations.set` with a refusal (the
    // first page's socket stays direct, so its latencies have no proxy in them).
    const other = await browser.newPage({ viewport: { width: 1400, height: 950 } });
    try {
      await other.routeWebSocket(/\/api\/ws$/, (ws) => {
        const core = ws.connectToServer();
        ws.onMessage((message) => {
          const request = JSON.parse(String(message)) as { id: number; method: string };
          if (request.method === 'annotations.set') ws.send(JSON.stringify({ id: request.id, ok: false, error: { code: 'internal', message: 'Refused by the end-to-end test.' } }));
          else core.send(message);
        });
        core.onMessage((message) => ws.send(message));
      });
      await other.goto(`${server.url}#/annotate`);
      await other.getByTestId('annotator-name').fill('Bo');
      await other.getByTestId('annotate-start-button').click();
      const irf = other.locator('[data-testid="label-row"][data-label="IRF"]');
      await irf.waitFor();
      const before = await irf.getAttribute('data-value');
      await other.keyboard.press('2');
      await expect.poll(() => other.getByRole('alert').filter({ hasText: 'Could not save the label' }).count()).toBe(1);
      await expect.poll(() => irf.getAttribute('data-value')).toBe(before);
      await other.screenshot({ path: path.join(OUTPUT_DIR, 'annotate-06-refused.png') });
    } finally {
      await other.close();
    }
  });

  it('prints the latencies measured in the page', async () => {
    const lat = await page.evaluate(() => (window as unknown as { __lat: { saves: number[]; shows: number[] } }).__lat);
    const summary = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return `n=${s.length} median=${s[Math.floor(s.length / 2)]?.toFixed(1)} ms p90=${s[Math.floor(s.length * 0.9)]?.toFixed(1)} ms max=${s.at(-1)?.toFixed(1)} ms`;
    };
    console.log(`[annotate e2e] key → saved (annotations.set answered): ${summary(lat.saves)}`);
    console.log(`[annotate e2e] key → next image on screen (frame after the switch): ${summary(lat.shows)}`);
    expect(lat.saves.length).toBeGreaterThan(10);
    expect(lat.shows.length).toBeGreaterThan(0);
    // Generous bounds only: a loaded two-core machine, not a benchmark.
    expect(Math.max(...lat.saves)).toBeLessThan(5000);
  });

  it('logged no errors in the page console', () => {
    expect(consoleErrors).toEqual([]);
  });
});
