import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeThumbnail, thumbnailPath, writeThumbnail } from '../../../src-main/imaging/thumbnail.js';
import { makeTempDir } from '../../fixtures/temp-dir.js';
import { bscan8 } from '../../unit/imaging/fixtures.js';

let tmp: ReturnType<typeof makeTempDir>;
beforeAll(() => {
  tmp = makeTempDir('octdino-thumbs-');
});
afterAll(() => tmp.cleanup());

describe('writeThumbnail', () => {
  const hash = 'c0ffee'.padEnd(64, '0');

  it('writes a 1-channel JPEG, aspect kept, into a sharded folder it creates', async () => {
    const out = thumbnailPath(path.join(tmp.dir, 'thumbs'), hash, 0);
    const info = await writeThumbnail(bscan8(504, 496), 504, 496, out);
    expect(info).toEqual({ width: 256, height: 252, bytes: statSync(out).size });
    const meta = await sharp(out).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 256, height: 252, channels: 1 });
    // Only the final file is left: the temporary one was renamed.
    expect(readdirSync(path.dirname(out))).toEqual([path.basename(out)]);
  });

  it('honours maxSide and does not enlarge small images', async () => {
    const out1 = path.join(tmp.dir, 'a', 'tall.jpg');
    expect(await writeThumbnail(bscan8(100, 400), 100, 400, out1, 128)).toMatchObject({ width: 32, height: 128 });
    const out2 = path.join(tmp.dir, 'a', 'small.jpg');
    expect(await writeThumbnail(bscan8(60, 50), 60, 50, out2)).toMatchObject({ width: 60, height: 50 });
    expect(await sharp(out2).metadata()).toMatchObject({ width: 60, height: 50 });
  });

  it('re-writing the same thumbnail replaces it atomically (idempotent re-import)', async () => {
    const out = thumbnailPath(path.join(tmp.dir, 'thumbs'), hash, 1);
    const px = bscan8(504, 496);
    await Promise.all([writeThumbnail(px, 504, 496, out), writeThumbnail(px, 504, 496, out)]);
    await writeThumbnail(px, 504, 496, out);
    expect(readdirSync(path.dirname(out)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(await sharp(out).metadata()).toMatchObject({ width: 256, height: 252 });
  });

  it('rejects a buffer of the wrong length', async () => {
    await expect(writeThumbnail(new Uint8Array(10), 4, 4, path.join(tmp.dir, 'x.jpg'))).rejects.toThrow(/Expected 16 bytes/);
  });
});

describe('encodeThumbnail', () => {
  it('returns the JPEG bytes and the fitted size without writing anything', async () => {
    const { data, width, height } = await encodeThumbnail(bscan8(504, 496), 504, 496);
    expect({ width, height }).toEqual({ width: 256, height: 252 });
    expect(await sharp(data).metadata()).toMatchObject({ format: 'jpeg', width: 256, height: 252, channels: 1 });
  });
});
