import { describe, expect, it, vi } from 'vitest';
import type { ImageFilter, ImageListItem, ImagePage } from '../../../src-main/api/types.js';
import { ImagePages } from '../../../renderer/src/lib/state/image-pages.svelte.js';

function item(id: number, status: ImageListItem['status'] = 'ok'): ImageListItem {
  return { id, relPath: `${id}.png`, patient: 'P1', eye: 'OD', visit: 'V1', sliceIndex: 0, frameIndex: 0, width: 64, height: 62, status, error: status === 'error' ? 'bad file' : null };
}

/** A fake `images.query` over `total` images with ids 1..total; answers when `release` is called. */
function fakeQuery(total: number) {
  const calls: { filter: ImageFilter; offset: number; limit: number }[] = [];
  const pending: (() => void)[] = [];
  const fetch = vi.fn((filter: ImageFilter, offset: number, limit: number) => {
    calls.push({ filter, offset, limit });
    const items = Array.from({ length: Math.max(0, Math.min(limit, total - offset)) }, (_, i) => item(offset + i + 1));
    return new Promise<ImagePage>((resolve) => pending.push(() => resolve({ total, items })));
  });
  const release = async (): Promise<void> => {
    while (pending.length) pending.shift()?.();
    await new Promise((resolve) => setTimeout(resolve, 0));
  };
  return { fetch, calls, release };
}

describe('ImagePages', () => {
  it('fetches the pages a window needs, once, and serves items from them', async () => {
    const q = fakeQuery(100_000);
    const pages = new ImagePages(q.fetch, vi.fn(), 100);
    void pages.ensure(49_986, 50_046);
    void pages.ensure(49_990, 50_040); // same pages, already on their way: no new request
    expect(q.calls.map((c) => c.offset)).toEqual([49_900, 50_000]);
    expect(pages.total).toBeNull();
    await q.release();
    expect(pages.total).toBe(100_000);
    expect(pages.itemAt(49_986)?.id).toBe(49_987);
    expect(pages.itemAt(50_045)?.id).toBe(50_046);
    expect(pages.itemAt(0)).toBeUndefined();
    expect(pages.indexOf(50_001)).toBe(50_000);

    await pages.ensure(49_950, 50_050); // cached: nothing fetched
    expect(q.calls).toHaveLength(2);
  });

  it('starts over on a new filter and drops answers for the old one', async () => {
    const q = fakeQuery(500);
    const pages = new ImagePages(q.fetch, vi.fn(), 100);
    void pages.ensure(300, 400);
    void pages.setFilter({ status: 'error' });
    await q.release();
    expect(q.calls.map((c) => [c.offset, c.filter])).toEqual([
      [300, {}],
      [0, { status: 'error' }],
    ]);
    expect(pages.itemAt(300)).toBeUndefined(); // the old filter's page was not stored
    expect(pages.itemAt(0)?.id).toBe(1);
    expect(pages.filter).toEqual({ status: 'error' });
  });

  it('holds a bounded number of pages while scrolling through 100k images', async () => {
    const q = fakeQuery(100_000);
    const pages = new ImagePages(q.fetch, vi.fn(), 100, 5);
    for (let offset = 0; offset < 2000; offset += 100) {
      void pages.ensure(offset, offset + 60);
      await q.release();
    }
    expect(pages.pageCount).toBe(5);
    expect(pages.itemAt(1950)?.id).toBe(1951); // the newest pages stay
    expect(pages.itemAt(0)).toBeUndefined(); // the farthest went
  });

  it('refreshes what is shown without emptying it first', async () => {
    const q = fakeQuery(250);
    const pages = new ImagePages(q.fetch, vi.fn(), 100);
    void pages.ensure(120, 180);
    await q.release();
    void pages.refresh();
    expect(pages.itemAt(120)?.id).toBe(121); // still shown while the new page is on its way
    await q.release();
    expect(q.calls.map((c) => c.offset)).toEqual([100, 100]);
    expect(pages.itemAt(120)?.id).toBe(121);
  });

  it('reports a failed page through the error callback and fetches it again later', async () => {
    const onError = vi.fn();
    const fetch = vi.fn().mockRejectedValueOnce(new Error('socket closed')).mockResolvedValue({ total: 1, items: [item(1)] });
    const pages = new ImagePages(fetch, onError, 100);
    await pages.ensure(0, 1);
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: 'socket closed' }));
    await pages.ensure(0, 1);
    expect(pages.itemAt(0)?.id).toBe(1);
  });
});
