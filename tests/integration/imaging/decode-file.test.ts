import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImageFile, readImageFile } from '../../../src-main/imaging/decode.js';
import { ImageDecodeError, type ImageErrorReason } from '../../../src-main/imaging/gray-image.js';
import { makeTempDir } from '../../fixtures/temp-dir.js';
import { bscan16, bscan8, jpeg8, maxAbsDiff, png16, png8, pngHeaderOnly, tiff8, truncate } from '../../unit/imaging/fixtures.js';
import { writeTiff } from '../../fixtures/tiff-writer.js';

const W = 504;
const H = 496;
const px8 = bscan8(W, H);
const px16 = bscan16(W, H);
let tmp: ReturnType<typeof makeTempDir>;
const file = (name: string) => path.join(tmp.dir, name);

async function reasonOf(promise: Promise<unknown>): Promise<ImageErrorReason> {
  const err: unknown = await promise.then(
    () => new Error('expected a decode error'),
    (e: unknown) => e,
  );
  if (!(err instanceof ImageDecodeError)) throw err;
  return err.reason;
}

beforeAll(async () => {
  tmp = makeTempDir('octdino-decode-');
  const files: Record<string, Uint8Array> = {
    '0.tif': await tiff8(px8, W, H, 'none'),
    '1.tif': await tiff8(px8, W, H, 'lzw'),
    '2.tif': await tiff8(px8, W, H, 'deflate'),
    '3.tif': await tiff8(px8, W, H, 'packbits'),
    '4.png': await png8(px8, W, H),
    '5.jpg': await jpeg8(px8, W, H),
    'deep.png': await png16(px16, W, H),
    'deep.tif': writeTiff([{ width: W, height: H, data: px16 }]),
    'empty.tif': new Uint8Array(0),
    'notes.png': new TextEncoder().encode('not an image, just notes renamed to .png\n'),
    'huge.png': pngHeaderOnly(100_000, 100_000),
    // A TIFF content under a .png name: content decides, not the extension (OLIVES mixes them).
    'really-a-tiff.png': await tiff8(px8, W, H, 'lzw'),
  };
  for (const [name, bytes] of Object.entries(files)) writeFileSync(file(name), bytes);
  for (const name of ['0.tif', '1.tif', '4.png', '5.jpg', 'deep.tif']) {
    writeFileSync(file(`cut-${name}`), truncate(files[name]!, 0.6));
  }
});

afterAll(() => tmp.cleanup());

describe('decodeImageFile on real files', () => {
  it.each(['0.tif', '1.tif', '2.tif', '3.tif', '4.png', 'really-a-tiff.png'])('%s round-trips exactly', async (name) => {
    const img = await decodeImageFile(file(name));
    expect(img).toMatchObject({ width: W, height: H, bitDepth: 8 });
    expect(maxAbsDiff(img.data, px8)).toBe(0);
  });

  it.each(['deep.png', 'deep.tif'])('%s keeps 16-bit values', async (name) => {
    const img = await decodeImageFile(file(name));
    expect(img.bitDepth).toBe(16);
    expect(maxAbsDiff(img.data, px16)).toBe(0);
  });

  it('JPEG decodes to the right size', async () => {
    await expect(decodeImageFile(file('5.jpg'))).resolves.toMatchObject({ width: W, height: H, bitDepth: 8 });
  });

  it.each([
    ['empty.tif', 'empty'],
    ['notes.png', 'not_an_image'],
    ['huge.png', 'too_large'],
    ['cut-0.tif', 'truncated'],
    ['cut-1.tif', 'truncated'],
    ['cut-4.png', 'truncated'],
    ['cut-5.jpg', 'truncated'],
    ['cut-deep.tif', 'truncated'],
  ])('%s → %s', async (name, reason) => {
    expect(await reasonOf(decodeImageFile(file(name)))).toBe(reason);
  });

  it('refuses a file over maxFileBytes before reading it', async () => {
    expect(await reasonOf(readImageFile(file('0.tif'), { maxFileBytes: 1000 }))).toBe('too_large');
  });

  it('passes file-system errors through unchanged', async () => {
    await expect(decodeImageFile(file('missing.tif'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a copy decodes identically (content, not path, decides)', async () => {
    copyFileSync(file('4.png'), file('copy.bin'));
    const [a, b] = await Promise.all([decodeImageFile(file('4.png')), decodeImageFile(file('copy.bin'))]);
    expect(maxAbsDiff(a.data, b.data)).toBe(0);
  });
});
