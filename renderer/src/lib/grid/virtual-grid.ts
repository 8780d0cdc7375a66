/**
 * Window maths of the virtualised thumbnail grid. Tiles have a fixed size, so the rows on screen
 * follow from the scroll position alone: no tile is measured and only those rows (plus a few
 * above and below, so a fast wheel does not show blanks) are ever in the DOM.
 */

export interface GridMetrics {
  /** Tile width and height in CSS pixels (the caption included). */
  tileWidth: number;
  tileHeight: number;
  /** Space between tiles, both ways. */
  gap: number;
}

export interface VisibleWindow {
  columns: number;
  /** Rows in the whole grid and its scrollable height. */
  rows: number;
  height: number;
  /** Rows to render, [firstRow, endRow). */
  firstRow: number;
  endRow: number;
  /** Item indices to render, [start, end). */
  start: number;
  end: number;
}

export interface WindowInput {
  scrollTop: number;
  viewportHeight: number;
  viewportWidth: number;
  total: number;
  /** Extra rows rendered above and below the viewport. */
  overscanRows?: number;
}

/** Tiles that fit across `width`; always at least one, so a narrow window still shows a column. */
export function gridColumns(width: number, metrics: GridMetrics): number {
  return Math.max(1, Math.floor((width + metrics.gap) / (metrics.tileWidth + metrics.gap)));
}

export function rowPitch(metrics: GridMetrics): number {
  return metrics.tileHeight + metrics.gap;
}

export function visibleWindow(input: WindowInput, metrics: GridMetrics): VisibleWindow {
  const columns = gridColumns(input.viewportWidth, metrics);
  const total = Math.max(0, Math.floor(input.total));
  const rows = Math.ceil(total / columns);
  const pitch = rowPitch(metrics);
  const height = rows === 0 ? 0 : rows * pitch - metrics.gap;
  const overscan = input.overscanRows ?? 2;
  // A scrollTop past the end (the total shrank under a filter) still renders the last rows.
  const top = Math.min(Math.max(0, input.scrollTop), Math.max(0, height - input.viewportHeight));
  const firstVisible = Math.floor(top / pitch);
  const lastVisible = Math.ceil((top + Math.max(0, input.viewportHeight)) / pitch);
  const firstRow = Math.max(0, firstVisible - overscan);
  const endRow = Math.min(rows, lastVisible + overscan);
  return {
    columns,
    rows,
    height,
    firstRow,
    endRow: Math.max(firstRow, endRow),
    start: Math.min(total, firstRow * columns),
    end: Math.min(total, Math.max(firstRow, endRow) * columns),
  };
}

/** Offsets of the fixed-size pages that hold items [start, end). */
export function pageOffsets(start: number, end: number, pageSize: number): number[] {
  if (end <= start) return [];
  const offsets: number[] = [];
  for (let offset = Math.floor(start / pageSize) * pageSize; offset < end; offset += pageSize) offsets.push(offset);
  return offsets;
}

/** Where each rendered tile goes, in CSS pixels inside the scrolled content. */
export function tilePosition(index: number, columns: number, metrics: GridMetrics): { x: number; y: number } {
  const row = Math.floor(index / columns);
  const column = index % columns;
  return { x: column * (metrics.tileWidth + metrics.gap), y: row * rowPitch(metrics) };
}

/**
 * The scrollTop that brings item `index` fully into view with the least movement, or null when it
 * is already visible (keyboard focus and "back from the viewer" keep the current tile on screen).
 */
export function scrollToReveal(index: number, columns: number, metrics: GridMetrics, scrollTop: number, viewportHeight: number): number | null {
  const { y } = tilePosition(index, columns, metrics);
  if (y < scrollTop) return y;
  if (y + metrics.tileHeight > scrollTop + viewportHeight) return Math.max(0, y + metrics.tileHeight - viewportHeight);
  return null;
}
