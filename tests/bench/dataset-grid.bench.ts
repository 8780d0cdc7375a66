/**
 * The dataset grid with 100k images in real Chromium through the real web mode: time to the
 * first thumbnails, time to fill the view after jumping to the middle, and frame times while
 * scrolling fast (wheel-like, then scrollbar-drag-like). Target: p95 frame ≤ 2 frames at 60 Hz,
 * a bounded DOM (a screenful of tiles), first thumbnails well under a second.
 *
 *   npx tsx tests/bench/dataset-grid.bench.ts [N]        (default: 100000)
 *
 * The project's rows are registered directly (no decoding) and share 16 real thumbnails; see
 * tests/e2e/support/dataset-fixtures.ts. The e2e test runs the same measurement with a bound.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { createLargeProject } from '../e2e/support/dataset-fixtures.js';
import { measureFirstThumbnails, measureScrollFrames } from '../e2e/support/grid-metrics.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, ensureRendererBuilt, startWebServer } from '../e2e/support/web-server.js';

const count = Number(process.argv[2] ?? 100_000);
const work = mkdtempSync(path.join(os.tmpdir(), 'octdino-grid-bench-'));
try {
  ensureRendererBuilt();
  let started = Date.now();
  await createLargeProject(path.join(work, 'large'), count);
  console.log(`project with ${count.toLocaleString('en-US')} images registered in ${Date.now() - started} ms`);
  const server = await startWebServer({ project: path.join(work, 'large') });
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    // tsx keeps function names with a `__name` helper that page.evaluate'd code lacks in the page.
    await page.addInitScript({ content: 'window.__name = (fn) => fn;' });
    started = Date.now();
    await page.goto(`${server.url}#/dataset`);
    const firstMs = await measureFirstThumbnails(page, 20);
    console.log(`first 20 thumbnails: ${firstMs.toFixed(0)} ms after navigation start`);
    for (let run = 1; run <= 3; run++) {
      await page.evaluate(() => document.querySelector('[data-testid="image-grid"]')?.scrollTo({ top: 0 }));
      const m = await measureScrollFrames(page);
      console.log(
        `run ${run}: jump to middle → view filled in ${m.jumpToMiddleMs.toFixed(0)} ms; ${m.frames} scroll frames p50 ${m.frameP50Ms.toFixed(1)} ms, ` +
          `p95 ${m.frameP95Ms.toFixed(1)} ms, max ${m.frameMaxMs.toFixed(1)} ms (idle p95 ${m.idleP95Ms.toFixed(1)} ms); ` +
          `≤ ${m.maxTiles} tiles, ≤ ${m.maxElements} elements; content height ${m.scrollHeight.toLocaleString('en-US')} px`,
      );
    }
  } finally {
    await browser.close();
    await server.stop();
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
