/**
 * The dataset grid's data: pages of `images.query` for one filter, fetched on demand as the grid
 * scrolls and cached by offset. Only a bounded number of pages is kept, so scrolling through 100k
 * images holds a few thousand items, never all of them.
 */
import type { ImageFilter, ImageListItem, ImagePage } from '../../../../src-main/api/types.js';
import { pageOffsets } from '../grid/virtual-grid.js';

export type FetchPage = (filter: ImageFilter, offset: number, limit: number) => Promise<ImagePage>;

export const PAGE_SIZE = 100;
const MAX_PAGES = 40;

export class ImagePages {
  // Replaced, never mutated: a page arriving is one signal, and the map may hold thousands of items.
  #pages = $state.raw<ReadonlyMap<number, readonly ImageListItem[]>>(new Map());
  #total = $state<number | null>(null);
  #filter: ImageFilter = {};
  /** Bumped when the filter changes: answers for an older filter are dropped. */
  #generation = 0;
  #inFlight = new Set<number>();
  #wanted: readonly [number, number] = [0, 0];

  constructor(
    private readonly fetchPage: FetchPage,
    private readonly onError: (err: unknown) => void,
    readonly pageSize = PAGE_SIZE,
    private readonly maxPages = MAX_PAGES,
  ) {}

  /** Images matching the filter; null until the first page answered. */
  get total(): number | null {
    return this.#total;
  }

  get filter(): ImageFilter {
    return this.#filter;
  }

  get pageCount(): number {
    return this.#pages.size;
  }

  itemAt(index: number): ImageListItem | undefined {
    const offset = Math.floor(index / this.pageSize) * this.pageSize;
    return this.#pages.get(offset)?.[index - offset];
  }

  /** Position of image `id` among the loaded pages, or -1 when it is not loaded. */
  indexOf(id: number): number {
    for (const [offset, items] of this.#pages) {
      const at = items.findIndex((item) => item.id === id);
      if (at >= 0) return offset + at;
    }
    return -1;
  }

  /** Starts over with another filter: the cache is dropped and the first page fetched. */
  setFilter(filter: ImageFilter): Promise<void> {
    this.clear();
    this.#filter = filter;
    return this.ensure(0, this.pageSize);
  }

  /** Forgets everything (another project was opened); answers still on their way are dropped. */
  clear(): void {
    this.#generation++;
    this.#filter = {};
    this.#pages = new Map();
    this.#total = null;
    this.#inFlight.clear();
    this.#wanted = [0, 0];
  }

  /** Fetches the pages that hold items [start, end) unless cached or already on their way. */
  async ensure(start: number, end: number): Promise<void> {
    this.#wanted = [start, end];
    const generation = this.#generation;
    const missing = pageOffsets(start, Math.max(end, start + 1), this.pageSize).filter((o) => !this.#pages.has(o) && !this.#inFlight.has(o));
    await Promise.all(
      missing.map(async (offset) => {
        this.#inFlight.add(offset);
        try {
          const page = await this.fetchPage(this.#filter, offset, this.pageSize);
          if (generation !== this.#generation) return;
          this.#total = page.total;
          this.store(offset, page.items);
        } catch (err) {
          if (generation === this.#generation) this.onError(err);
        } finally {
          if (generation === this.#generation) this.#inFlight.delete(offset);
        }
      }),
    );
  }

  /**
   * Reloads what is on screen after the data changed (an import added images). The old pages stay
   * visible until the new ones are in, so the grid does not flash empty every couple of seconds.
   */
  async refresh(): Promise<void> {
    const generation = ++this.#generation;
    this.#inFlight.clear();
    const [start, end] = this.#wanted;
    try {
      const offsets = pageOffsets(start, Math.max(end, start + 1), this.pageSize);
      const pages = await Promise.all(offsets.map((offset) => this.fetchPage(this.#filter, offset, this.pageSize)));
      if (generation !== this.#generation) return;
      this.#pages = new Map(offsets.map((offset, i) => [offset, pages[i]?.items ?? []]));
      this.#total = pages[0]?.total ?? this.#total;
    } catch (err) {
      if (generation === this.#generation) this.onError(err);
    }
  }

  /** Adds a page, dropping the pages farthest from it once more than `maxPages` are held. */
  private store(offset: number, items: readonly ImageListItem[]): void {
    const next = new Map(this.#pages);
    next.set(offset, items);
    if (next.size > this.maxPages) {
      const byDistance = [...next.keys()].sort((a, b) => Math.abs(b - offset) - Math.abs(a - offset));
      for (const old of byDistance.slice(0, next.size - this.maxPages)) next.delete(old);
    }
    this.#pages = next;
  }
}
