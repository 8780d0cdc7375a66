/**
 * Timing of the dataset grid in the page: how long until thumbnails show, and the frame times
 * while scrolling a large grid (measured with requestAnimationFrame in the page itself, so the
 * numbers do not include the test driver's round trips).
 */
import type { Page } from 'playwright-core';

/**
 * Milliseconds until `count` thumbnails have decoded: from navigation start when no trigger is
 * given (the page was just loaded), else from just before `trigger` runs.
 */
export async function measureFirstThumbnails(page: Page, count: number, trigger?: () => Promise<void>): Promise<number> {
  const start = trigger ? await page.evaluate(() => performance.now()) : 0;
  if (trigger) await trigger();
  const done = await page.waitForFunction(
    (n) => {
      const imgs = [...document.querySelectorAll<HTMLImageElement>('[data-testid="image-tile"] img')];
      return imgs.filter((img) => img.complete && img.naturalWidth > 0).length >= n ? performance.now() : false;
    },
    count,
    { polling: 'raf', timeout: 30_000 },
  );
  return ((await done.jsonValue()) as number) - start;
}

export interface ScrollMetrics {
  scrollHeight: number;
  /** From setting scrollTop to the middle until every tile in view shows its decoded thumbnail. */
  jumpToMiddleMs: number;
  /** Frame times with the grid still, for comparison: what this browser does at rest. */
  idleP95Ms: number;
  frames: number;
  frameP50Ms: number;
  frameP95Ms: number;
  frameMaxMs: number;
  maxTiles: number;
  maxElements: number;
}

/** Jumps to the middle of the grid, then scrolls 240 frames at wheel-like and fling-like speeds. */
export function measureScrollFrames(page: Page): Promise<ScrollMetrics> {
  return page.evaluate(async () => {
    const viewport = document.querySelector<HTMLElement>('[data-testid="image-grid"]');
    if (!viewport) throw new Error('no grid on the page');
    const nextFrame = (): Promise<number> => new Promise((resolve) => requestAnimationFrame(resolve));
    const inViewLoaded = (): boolean => {
      const box = viewport.getBoundingClientRect();
      const cells = [...viewport.querySelectorAll<HTMLElement>('li')].filter((li) => {
        const r = li.getBoundingClientRect();
        return r.bottom > box.top && r.top < box.bottom;
      });
      return cells.length > 0 && cells.every((li) => {
        const img = li.querySelector('img');
        return img !== null && img.complete && img.naturalWidth > 0;
      });
    };

    const jumpStart = performance.now();
    viewport.scrollTop = viewport.scrollHeight / 2;
    while (!inViewLoaded()) {
      await nextFrame();
      if (performance.now() - jumpStart > 20_000) throw new Error('thumbnails in the middle of the grid did not load within 20 s');
    }
    const jumpToMiddleMs = performance.now() - jumpStart;

    const percentile = (values: number[], q: number): number => {
      const sorted = [...values].sort((a, b) => a - b);
      return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    };
    const idle: number[] = [];
    let previous = await nextFrame();
    for (let i = 0; i < 60; i++) {
      const now = await nextFrame();
      idle.push(now - previous);
      previous = now;
    }

    const deltas: number[] = [];
    let maxTiles = 0;
    let maxElements = 0;
    let last = await nextFrame();
    for (let i = 0; i < 240; i++) {
      // 180 frames like a fast wheel (~9,000 px/s), then 60 like dragging the scrollbar.
      viewport.scrollTop += i < 180 ? 150 : 2500;
      const now = await nextFrame();
      deltas.push(now - last);
      last = now;
      maxTiles = Math.max(maxTiles, viewport.querySelectorAll('[data-testid="image-tile"], [data-testid="tile-placeholder"]').length);
      maxElements = Math.max(maxElements, document.getElementsByTagName('*').length);
    }
    return {
      scrollHeight: viewport.scrollHeight,
      jumpToMiddleMs,
      idleP95Ms: percentile(idle, 0.95),
      frames: deltas.length,
      frameP50Ms: percentile(deltas, 0.5),
      frameP95Ms: percentile(deltas, 0.95),
      frameMaxMs: Math.max(...deltas),
      maxTiles,
      maxElements,
    };
  });
}
