import { describe, expect, it } from 'vitest';
import { gridColumns, pageOffsets, scrollToReveal, tilePosition, visibleWindow, type GridMetrics } from '../../../renderer/src/lib/grid/virtual-grid.js';

// Round numbers: a row is 100 px tall with the gap, a column 110 px wide with the gap.
const M: GridMetrics = { tileWidth: 100, tileHeight: 90, gap: 10 };

describe('gridColumns', () => {
  it('fits as many tiles as the width allows, gaps between them only', () => {
    expect(gridColumns(100, M)).toBe(1);
    expect(gridColumns(209, M)).toBe(1);
    expect(gridColumns(210, M)).toBe(2);
    expect(gridColumns(650, M)).toBe(6);
  });

  it('keeps one column in a window narrower than a tile', () => {
    expect(gridColumns(0, M)).toBe(1);
    expect(gridColumns(40, M)).toBe(1);
  });
});

describe('visibleWindow', () => {
  const base = { viewportWidth: 650, viewportHeight: 500, overscanRows: 2 };

  it('renders the first screen plus the overscan below it at the top', () => {
    const w = visibleWindow({ ...base, scrollTop: 0, total: 100_000 }, M);
    expect(w.columns).toBe(6);
    expect(w.rows).toBe(16_667);
    expect(w.height).toBe(16_667 * 100 - 10);
    expect([w.firstRow, w.endRow]).toEqual([0, 7]); // rows 0-4 visible, 2 rows of overscan
    expect([w.start, w.end]).toEqual([0, 42]);
  });

  it('renders only the rows around the viewport in the middle of 100k images', () => {
    const w = visibleWindow({ ...base, scrollTop: 833_350, total: 100_000 }, M);
    // Row 8333 is at the top (833,300 ≤ 833,350 < 833,400); rows up to 8338 reach the bottom.
    expect([w.firstRow, w.endRow]).toEqual([8331, 8341]);
    expect([w.start, w.end]).toEqual([8331 * 6, 8341 * 6]);
    expect(w.end - w.start).toBeLessThan(100);
  });

  it('stops at the last item, even on a partial last row', () => {
    const w = visibleWindow({ ...base, scrollTop: 1_000_000, total: 95 }, M); // 16 rows, the last with 5
    expect(w.endRow).toBe(16);
    expect(w.end).toBe(95);
    expect(w.firstRow).toBeGreaterThan(0);
  });

  it('clamps a scroll position past the end (the list shrank under a filter)', () => {
    const w = visibleWindow({ ...base, scrollTop: 5_000_000, total: 30 }, M);
    expect([w.start, w.end]).toEqual([0, 30]);
  });

  it('renders nothing for an empty list or an unmeasured viewport', () => {
    expect(visibleWindow({ ...base, scrollTop: 0, total: 0 }, M)).toMatchObject({ rows: 0, height: 0, start: 0, end: 0 });
    const unmeasured = visibleWindow({ viewportWidth: 0, viewportHeight: 0, scrollTop: 0, total: 1000 }, M);
    expect(unmeasured.end - unmeasured.start).toBeLessThanOrEqual(3);
  });
});

describe('pageOffsets', () => {
  it('lists the pages that hold a range of items', () => {
    expect(pageOffsets(0, 42, 100)).toEqual([0]);
    expect(pageOffsets(49_986, 50_046, 100)).toEqual([49_900, 50_000]);
    expect(pageOffsets(100, 200, 100)).toEqual([100]);
    expect(pageOffsets(10, 10, 100)).toEqual([]);
  });
});

describe('tilePosition and scrollToReveal', () => {
  it('places tiles by row and column', () => {
    expect(tilePosition(0, 6, M)).toEqual({ x: 0, y: 0 });
    expect(tilePosition(13, 6, M)).toEqual({ x: 110, y: 200 });
  });

  it('scrolls the least needed to show a tile, and not at all when it is in view', () => {
    expect(scrollToReveal(13, 6, M, 0, 500)).toBeNull();
    expect(scrollToReveal(13, 6, M, 250, 500)).toBe(200); // above the view: align its top
    expect(scrollToReveal(60, 6, M, 0, 500)).toBe(1000 + 90 - 500); // below: align its bottom
  });
});
