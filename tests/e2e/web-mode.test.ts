/**
 * The real UI in real Chromium, through the real web mode: the demo project opens and generates
 * its images as a job, a new project is created from the UI, the Dataset view shows the empty
 * state and then the demo thumbnails. A screenshot of each step goes to tests/e2e/__output__/.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH, OUTPUT_DIR, ensureRendererBuilt, startWebServer, type WebServer } from './support/web-server.js';

const DEMO_NAME = 'Demo project (synthetic OCT)';
const NEW_NAME = 'E2E study';

let server: WebServer;
let browser: Browser;
let page: Page;
let projectsDir: string;
const consoleErrors: string[] = [];

beforeAll(async () => {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  ensureRendererBuilt();
  server = await startWebServer();
  projectsDir = mkdtempSync(path.join(os.tmpdir(), 'octdino-e2e-projects-'));
  // launch() gives the browser a fresh temporary profile of its own (it refuses --user-data-dir).
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(`page error: ${error.message}`));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (projectsDir) rmSync(projectsDir, { recursive: true, force: true });
});

function shot(name: string): Promise<Buffer> {
  return page.screenshot({ path: path.join(OUTPUT_DIR, name), fullPage: true });
}

async function goTo(view: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: view }).click();
  await page.getByRole('heading', { level: 1, name: view }).waitFor();
}

describe('web mode in Chromium', () => {
  it('opens the demo project and shows its generation job complete', async () => {
    await page.goto(server.url);
    await expect.poll(() => page.textContent('header')).toContain('OCT DINO Studio');
    // The token is now in a cookie: it must not stay in the address bar.
    expect(page.url()).not.toContain('token=');
    expect(page.url()).toMatch(/#\/projects$/);
    await expect.poll(() => page.getByTestId('header-project').textContent()).toContain(DEMO_NAME);

    const job = page.locator('[data-kind="demo.generate"]');
    await job.first().waitFor();
    // The generation takes ~15 s here; while it runs, the panel shows live progress and an ETA.
    // Best effort: on a fast machine the job may be done before the page looks.
    if ((await job.first().getAttribute('data-status')) === 'running') {
      await job.first().getByTestId('job-eta').waitFor({ timeout: 10_000 }).catch(() => undefined);
      await shot('00-demo-generating.png');
    }
    await page.locator('[data-kind="demo.generate"][data-status="completed"]').waitFor({ timeout: 90_000 });
    expect(await job.first().getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    await expect.poll(async () => Number((await page.getByTestId('count-images').textContent())?.replace(/\D/g, '')), { timeout: 10_000 }).toBeGreaterThan(0);
    await shot('01-demo-project.png');
  });

  it('creates a project from the UI and lists it among the recent projects', async () => {
    const dir = path.join(projectsDir, 'e2e-study');
    await page.getByLabel('Folder path').first().fill(dir);
    await page.getByLabel('Name (optional)').fill(NEW_NAME);
    await page.getByTestId('create-project-form').getByRole('button', { name: 'Create' }).click();

    await expect.poll(() => page.getByTestId('open-project-name').textContent()).toBe(NEW_NAME);
    await expect.poll(() => page.getByTestId('header-project').textContent()).toContain(NEW_NAME);
    const recent = page.getByTestId('recent-project');
    await expect.poll(() => recent.filter({ hasText: NEW_NAME }).count()).toBe(1);
    expect(await recent.filter({ hasText: DEMO_NAME }).count()).toBe(1);
    expect(await page.getByTestId('count-images').textContent()).toBe('0');
    await shot('02-created-project.png');
  });

  it('shows the empty state for the new project, then the demo thumbnails', async () => {
    await goTo('Dataset');
    await page.getByTestId('dataset-empty').waitFor();
    await shot('03-dataset-empty.png');

    await goTo('Projects');
    await page.getByTestId('recent-project').filter({ hasText: DEMO_NAME }).getByRole('button', { name: `Open ${DEMO_NAME}` }).click();
    await expect.poll(() => page.getByTestId('header-project').textContent()).toContain(DEMO_NAME);

    await goTo('Dataset');
    const tiles = page.getByTestId('image-tile');
    await tiles.first().waitFor();
    expect(await tiles.count()).toBeGreaterThan(0);
    // Lazy images load once on screen; the first two rows are, at this viewport size, and every
    // one of them must really decode (naturalWidth > 0), not just be an <img> with a src.
    const firstRows = () =>
      page
        .locator('[data-testid="image-tile"] img')
        .evaluateAll((imgs) =>
          imgs
            .slice(0, 10)
            .map((img) => img as unknown as { complete: boolean; naturalWidth: number })
            .filter((img) => img.complete && img.naturalWidth > 0).length,
        );
    await expect.poll(firstRows, { timeout: 15_000 }).toBe(10);
    expect(await page.getByTestId('dataset-total').textContent()).toMatch(/^\s*[\d,]+ images/);
    await shot('04-dataset-demo.png');
  });

  it('shows the app and compute engine on the Settings view', async () => {
    await goTo('Settings');
    await page.getByTestId('app-info').getByText('OCT DINO Studio').waitFor();
    await page.getByTestId('engine-active').waitFor({ timeout: 60_000 });
    await shot('05-settings.png');
  });

  it('logged no errors in the page console', () => {
    expect(consoleErrors).toEqual([]);
  });
});
