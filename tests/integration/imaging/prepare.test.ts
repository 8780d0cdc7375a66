import { existsSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareDerived } from '../../../src-main/imaging/prepare.js';
import { thumbnailPath } from '../../../src-main/imaging/thumbnail.js';
import { toEightBit } from '../../../src-main/imaging/to-8bit.js';
import { TrainingCache } from '../../../src-main/imaging/training-cache.js';
import { makeTempDir } from '../../fixtures/temp-dir.js';
import { bscan16, bscan8, maxAbsDiff } from '../../unit/imaging/fixtures.js';

let tmp: ReturnType<typeof makeTempDir>;
beforeAll(() => {
  tmp = makeTempDir('octdino-prepare-');
});
afterAll(() => tmp.cleanup());

describe('prepareDerived', () => {
  const hash = 'ab'.repeat(32);

  it('writes the thumbnail and the cache slot for an 8-bit image; no window', async () => {
    const thumbsDir = path.join(tmp.dir, 'thumbs');
    const cache = TrainingCache.open(path.join(tmp.dir, 'cache'), 64);
    const image = { width: 504, height: 496, bitDepth: 8 as const, data: bscan8(504, 496) };
    const result = await prepareDerived(image, { thumbsDir, contentHash: hash, frameIndex: 0, cache, slot: 4 });
    expect(result).toEqual({ thumbnail: thumbnailPath(thumbsDir, hash, 0), window: null });
    expect(existsSync(result.thumbnail)).toBe(true);
    expect(maxAbsDiff(await cache.read(4), await cache.resize(image.data, 504, 496))).toBe(0);
    await cache.close();
  });

  it('rescales 16-bit once and reports the window used', async () => {
    const thumbsDir = path.join(tmp.dir, 'thumbs');
    const cache = TrainingCache.open(path.join(tmp.dir, 'cache'), 64);
    const image = { width: 100, height: 80, bitDepth: 16 as const, data: bscan16(100, 80) };
    const result = await prepareDerived(image, { thumbsDir, contentHash: hash, frameIndex: 7, cache, slot: 0 });
    const expected = toEightBit(image);
    expect(result.window).toEqual(expected.window);
    expect(maxAbsDiff(await cache.read(0), await cache.resize(expected.data, 100, 80))).toBe(0);
    expect(await sharp(result.thumbnail).metadata()).toMatchObject({ width: 100, height: 80, channels: 1 });
    await cache.close();
  });
});
