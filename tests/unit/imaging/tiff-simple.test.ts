import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readFirstTiffDirectory } from '../../../src-main/imaging/tiff-directory.js';
import { decodeSimpleTiff } from '../../../src-main/imaging/tiff-simple.js';
import { bscan16, bscan8, maxAbsDiff, tiff8 } from './fixtures.js';
import { writeTiff, type TiffOptions } from '../../fixtures/tiff-writer.js';

const W = 504;
const H = 496;
const px8 = bscan8(W, H);
const px16 = bscan16(W, H);

/** libvips' decode of the same bytes: the reference the JS fast path must match exactly. */
async function viaSharp(bytes: Uint8Array, bits: 8 | 16): Promise<Uint8Array | Uint16Array> {
  const s = sharp(bytes);
  if (bits === 8) return new Uint8Array(await s.toColourspace('b-w').raw().toBuffer());
  const buf = await s.toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer();
  return new Uint16Array(new Uint8Array(buf).buffer);
}

function fast(bytes: Uint8Array) {
  return decodeSimpleTiff(bytes, readFirstTiffDirectory(bytes));
}

describe('decodeSimpleTiff (uncompressed fast path)', () => {
  it.each<[string, TiffOptions]>([
    ['16-row strips', {}],
    ['1-row strips', { rowsPerStrip: 1 }],
    ['one strip', { rowsPerStrip: H }],
    ['a last strip shorter than the rest', { rowsPerStrip: 100 }],
    ['big-endian', { bigEndian: true }],
  ])('8-bit, %s: identical to libvips', async (_name, opts) => {
    const bytes = writeTiff([{ width: W, height: H, data: px8 }], opts);
    const img = fast(bytes);
    expect(img).toMatchObject({ width: W, height: H, bitDepth: 8 });
    expect(maxAbsDiff(img!.data, await viaSharp(bytes, 8))).toBe(0);
    expect(maxAbsDiff(img!.data, px8)).toBe(0);
  });

  it.each<[string, TiffOptions]>([
    ['little-endian', {}],
    ['big-endian', { bigEndian: true, rowsPerStrip: 7 }],
  ])('16-bit, %s: identical to libvips', async (_name, opts) => {
    const bytes = writeTiff([{ width: W, height: H, data: px16 }], opts);
    const img = fast(bytes);
    expect(img).toMatchObject({ width: W, height: H, bitDepth: 16 });
    expect(maxAbsDiff(img!.data, await viaSharp(bytes, 16))).toBe(0);
  });

  it("takes libvips' own uncompressed output", async () => {
    const img = fast(await tiff8(px8, W, H, 'none'));
    expect(img).not.toBeNull();
    expect(maxAbsDiff(img!.data, px8)).toBe(0);
  });

  it('declines compressed, colour and 1-bit files (they go to libvips)', async () => {
    expect(fast(await tiff8(px8, W, H, 'lzw'))).toBeNull();
    expect(fast(writeTiff([{ width: W, height: H, data: px8 }], { compression: 'deflate' }))).toBeNull();
    const rgb = await sharp(px8, { raw: { width: W / 3, height: H, channels: 3 } }).tiff().toBuffer();
    expect(fast(rgb)).toBeNull();
    const bilevel = await sharp(px8, { raw: { width: W, height: H, channels: 1 } }).toColourspace('b-w').tiff({ bitdepth: 1 }).toBuffer();
    expect(fast(bilevel)).toBeNull();
  });
});
