import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrainingCache, TrainingCacheFormatError } from '../../../src-main/imaging/training-cache.js';
import { makeTempDir } from '../../fixtures/temp-dir.js';
import { bscan8, maxAbsDiff } from '../../unit/imaging/fixtures.js';

let tmp: ReturnType<typeof makeTempDir>;
beforeAll(() => {
  tmp = makeTempDir('octdino-cache-');
});
afterAll(() => tmp.cleanup());

/** An S x S image whose every pixel says which slot it belongs to (exact, no resize involved). */
function tagged(size: number, slot: number): Uint8Array {
  const px = new Uint8Array(size * size);
  for (let i = 0; i < px.length; i++) px[i] = (slot * 31 + i) & 255;
  return px;
}

describe('TrainingCache', () => {
  it('creates the pixel file and its header side-car', async () => {
    const dir = path.join(tmp.dir, 'c1', 'cache');
    const cache = TrainingCache.open(dir, 32);
    expect(cache.size).toBe(32);
    expect(cache.slotCount()).toBe(0);
    expect(existsSync(path.join(dir, 'pixels-32.u8'))).toBe(true);
    const header = JSON.parse(readFileSync(path.join(dir, 'pixels-32.json'), 'utf8')) as Record<string, unknown>;
    expect(header).toMatchObject({ format: 'octdino-training-cache', version: 1, size: 32, dtype: 'uint8', channels: 1 });
    await cache.close();
  });

  it('round-trips slots written out of order, at offset k·S², across reopen', async () => {
    const dir = path.join(tmp.dir, 'c2');
    const S = 32;
    const cache = TrainingCache.open(dir, S);
    const order = [5, 0, 3, 1, 9, 2];
    await Promise.all(order.map((slot) => cache.write(slot, tagged(S, slot), S, S)));
    expect(cache.slotCount()).toBe(10);
    expect(statSync(cache.file).size).toBe(10 * S * S);
    for (const slot of order) expect(maxAbsDiff(await cache.read(slot), tagged(S, slot))).toBe(0);
    // The raw file is the documented layout: slot k at byte k·S².
    const raw = readFileSync(cache.file);
    expect(maxAbsDiff(raw.subarray(3 * S * S, 4 * S * S), tagged(S, 3))).toBe(0);
    // A never-written slot inside the file is a hole of zeros (SQLite decides what is valid).
    expect(Math.max(...(await cache.read(7)))).toBe(0);
    await cache.close();

    const again = TrainingCache.open(dir, S);
    expect(again.slotCount()).toBe(10);
    expect(maxAbsDiff(await again.read(9), tagged(S, 9))).toBe(0);
    await again.write(3, tagged(S, 42), S, S); // overwrite in place
    expect(maxAbsDiff(await again.read(3), tagged(S, 42))).toBe(0);
    expect(again.slotCount()).toBe(10);
    await again.close();
  });

  it('readBatch equals individual reads, in the order asked, for adjacent, shuffled and repeated slots', async () => {
    const S = 16;
    const cache = TrainingCache.open(path.join(tmp.dir, 'c3'), S);
    for (let slot = 0; slot < 40; slot++) await cache.write(slot, tagged(S, slot), S, S);
    for (const slots of [[0, 1, 2, 3], [7, 6, 5, 4], [30, 2, 31, 3, 32, 10], [5, 5, 6], [39], []]) {
      const batch = await cache.readBatch(slots);
      expect(batch.length).toBe(slots.length * S * S);
      for (const [i, slot] of slots.entries()) {
        expect(maxAbsDiff(batch.subarray(i * S * S, (i + 1) * S * S), await cache.read(slot))).toBe(0);
      }
    }
    await cache.close();
  });

  it('resizes a 504 x 496 B-scan to S x S (stretch, no letterbox)', async () => {
    const cache = TrainingCache.open(path.join(tmp.dir, 'c4'));
    expect(cache.size).toBe(256);
    // Left half dark, right half bright: a letterbox would add rows of a third value.
    const W = 504;
    const H = 496;
    const px = new Uint8Array(W * H);
    for (let y = 0; y < H; y++) px.fill(200, y * W + W / 2, (y + 1) * W);
    await cache.write(2, px, W, H);
    const out = await cache.read(2);
    expect(out.length).toBe(256 * 256);
    for (const y of [0, 100, 255]) {
      expect(out[y * 256 + 10]).toBe(0);
      expect(out[y * 256 + 245]).toBe(200);
    }
    // The stored record is exactly what resize() gives for a realistic scan.
    const scan = bscan8(W, H);
    await cache.write(0, scan, W, H);
    expect(maxAbsDiff(await cache.read(0), await cache.resize(scan, W, H))).toBe(0);
    await cache.close();
  });

  it('refuses bad slots, unwritten slots, wrong lengths and use after close', async () => {
    const cache = TrainingCache.open(path.join(tmp.dir, 'c5'), 16);
    await expect(cache.write(-1, tagged(16, 0), 16, 16)).rejects.toThrow(RangeError);
    await expect(cache.write(0, new Uint8Array(5), 16, 16)).rejects.toThrow(/Expected 256 bytes/);
    await expect(cache.read(0)).rejects.toThrow(/has not been written/);
    await cache.write(0, tagged(16, 0), 16, 16);
    await cache.close();
    await expect(cache.read(0)).rejects.toThrow(/closed/);
  });

  it('close waits for writes in flight', async () => {
    const dir = path.join(tmp.dir, 'c6');
    const cache = TrainingCache.open(dir, 64);
    const writes = Array.from({ length: 20 }, (_, slot) => cache.write(slot, bscan8(504, 496, slot), 504, 496));
    await cache.close();
    await Promise.all(writes);
    expect(TrainingCache.open(dir, 64).slotCount()).toBe(20);
  });

  it('detects a format change from the side-car and refuses a pixel file without one', () => {
    const dir = path.join(tmp.dir, 'c7');
    TrainingCache.open(dir, 32);
    const headerFile = path.join(dir, 'pixels-32.json');
    const header = JSON.parse(readFileSync(headerFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(headerFile, JSON.stringify({ ...header, version: 99 }));
    expect(() => TrainingCache.open(dir, 32)).toThrow(TrainingCacheFormatError);
    expect(() => TrainingCache.open(dir, 32)).toThrow(/version/);
    writeFileSync(path.join(dir, 'pixels-64.u8'), new Uint8Array(64 * 64));
    expect(() => TrainingCache.open(dir, 64)).toThrow(/no header/);
  });
});
