import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../../src-main/imaging/decode.js';
import { ImageDecodeError, type ImageErrorReason } from '../../../src-main/imaging/gray-image.js';
import { bscan16, bscan8, jpeg8, maxAbsDiff, png16, png8, pngHeaderOnly, pngRgb, tiff8, truncate, type TiffCompression } from './fixtures.js';
import { writeTiff } from '../../fixtures/tiff-writer.js';

const W = 504;
const H = 496;
const px8 = bscan8(W, H);
const px16 = bscan16(W, H);

async function reasonOf(promise: Promise<unknown>): Promise<ImageErrorReason> {
  const err: unknown = await promise.then(
    () => new Error('expected a decode error'),
    (e: unknown) => e,
  );
  if (!(err instanceof ImageDecodeError)) throw err;
  return err.reason;
}

describe('decodeImage: lossless formats round-trip exactly', () => {
  it('8-bit grayscale PNG', async () => {
    const img = await decodeImage(await png8(px8, W, H));
    expect(img).toMatchObject({ width: W, height: H, bitDepth: 8 });
    expect(img.data).toBeInstanceOf(Uint8Array);
    expect(img.data.length).toBe(W * H);
    expect(maxAbsDiff(img.data, px8)).toBe(0);
  });

  it.each<TiffCompression>(['none', 'lzw', 'deflate', 'packbits'])('8-bit TIFF, %s compression (libvips writer)', async (compression) => {
    const img = await decodeImage(await tiff8(px8, W, H, compression));
    expect(img).toMatchObject({ width: W, height: H, bitDepth: 8 });
    expect(maxAbsDiff(img.data, px8)).toBe(0);
  });

  it('8-bit TIFF with the directory first (ImageJ-style writer)', async () => {
    const img = await decodeImage(writeTiff([{ width: W, height: H, data: px8 }]));
    expect(maxAbsDiff(img.data, px8)).toBe(0);
  });

  it('16-bit PNG keeps every 16-bit value', async () => {
    const img = await decodeImage(await png16(px16, W, H));
    expect(img.bitDepth).toBe(16);
    expect(img.data).toBeInstanceOf(Uint16Array);
    expect(maxAbsDiff(img.data, px16)).toBe(0);
  });

  it.each([
    { name: 'little-endian, uncompressed', opts: {} },
    { name: 'big-endian, uncompressed', opts: { bigEndian: true } },
    { name: 'little-endian, deflate', opts: { compression: 'deflate' as const } },
    { name: 'big-endian, deflate', opts: { bigEndian: true, compression: 'deflate' as const } },
  ])('16-bit TIFF, $name, keeps every value', async ({ opts }) => {
    const img = await decodeImage(writeTiff([{ width: W, height: H, data: px16 }], opts));
    expect(img).toMatchObject({ width: W, height: H, bitDepth: 16 });
    expect(maxAbsDiff(img.data, px16)).toBe(0);
  });

  it.each(['none', 'deflate'] as const)('multi-page TIFF (%s) decodes the first page only', async (compression) => {
    const second = new Uint8Array(32 * 16).fill(200);
    const pages = [
      { width: W, height: H, data: px8 },
      { width: 32, height: 16, data: second },
    ];
    const img = await decodeImage(writeTiff(pages, { compression }));
    expect(img).toMatchObject({ width: W, height: H, bitDepth: 8 });
    expect(maxAbsDiff(img.data, px8)).toBe(0);
  });
});

describe('decodeImage: lossy and colour input', () => {
  it('grayscale JPEG decodes close to the source', async () => {
    const img = await decodeImage(await jpeg8(px8, W, H));
    expect(img).toMatchObject({ width: W, height: H, bitDepth: 8 });
    let sum = 0;
    for (let i = 0; i < px8.length; i++) sum += Math.abs(img.data[i]! - px8[i]!);
    expect(sum / px8.length).toBeLessThan(4);
  });

  it('RGB becomes one luma channel: gray stays gray, green > red > blue', async () => {
    const w = 4;
    const h = 1;
    const rgb = new Uint8Array([128, 128, 128, 255, 0, 0, 0, 255, 0, 0, 0, 255]);
    const img = await decodeImage(await pngRgb(rgb, w, h));
    expect(img).toMatchObject({ width: w, height: h, bitDepth: 8 });
    const [gray, red, green, blue] = Array.from(img.data);
    expect(Math.abs(gray! - 128)).toBeLessThanOrEqual(1);
    expect(green).toBeGreaterThan(red!);
    expect(red).toBeGreaterThan(blue!);
    expect(blue).toBeGreaterThan(0);
  });

  it('gray + alpha and palette PNGs become one gray channel', async () => {
    const ga = new Uint8Array(W * H * 2);
    for (let i = 0; i < px8.length; i++) ga.set([px8[i]!, 255], i * 2);
    const withAlpha = await sharp(ga, { raw: { width: W, height: H, channels: 2 } }).png().toBuffer();
    expect(maxAbsDiff((await decodeImage(withAlpha)).data, px8)).toBe(0);
    const palette = await sharp(px8, { raw: { width: W, height: H, channels: 1 } }).png({ palette: true, colours: 16 }).toBuffer();
    const img = await decodeImage(palette);
    expect(img).toMatchObject({ width: W, height: H, bitDepth: 8 });
    expect(img.data.length).toBe(W * H);
  });

  it('a 1-bit TIFF (depth unknown to the JS probe) decodes through the libvips header read', async () => {
    const bilevel = await sharp(px8, { raw: { width: W, height: H, channels: 1 } }).toColourspace('b-w').tiff({ bitdepth: 1 }).toBuffer();
    const img = await decodeImage(bilevel);
    expect(img).toMatchObject({ width: W, height: H, bitDepth: 8 });
    expect(new Set(img.data)).toEqual(new Set([0, 255]));
  });

  it('a B-scan saved as RGB (r = g = b) decodes to the same gray values', async () => {
    const rgb = new Uint8Array(W * H * 3);
    for (let i = 0; i < px8.length; i++) rgb.fill(px8[i]!, i * 3, i * 3 + 3);
    const img = await decodeImage(await pngRgb(rgb, W, H));
    expect(maxAbsDiff(img.data, px8)).toBeLessThanOrEqual(1);
  });
});

describe('decodeImage: bad input is a typed error', () => {
  it('empty input', async () => {
    expect(await reasonOf(decodeImage(new Uint8Array(0)))).toBe('empty');
  });

  it('text is not an image', async () => {
    expect(await reasonOf(decodeImage(new TextEncoder().encode('Path,BCVA,CST\n/Prime_FULL/01-001/W0/OD/0.tif,70,300\n')))).toBe(
      'not_an_image',
    );
  });

  it('a DICOM file is recognised and sent elsewhere', async () => {
    const dicom = new Uint8Array(256);
    dicom.set(new TextEncoder().encode('DICM'), 128);
    const err = await decodeImage(dicom).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageDecodeError);
    expect((err as ImageDecodeError).reason).toBe('unsupported');
    expect((err as ImageDecodeError).message).toMatch(/DICOM/);
  });

  it('a PNG header claiming 100000 x 100000 is refused from the header', async () => {
    const before = process.memoryUsage().rss;
    const err = await decodeImage(pngHeaderOnly(100_000, 100_000)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageDecodeError);
    expect((err as ImageDecodeError).reason).toBe('too_large');
    expect((err as ImageDecodeError).message).toMatch(/100000 x 100000/);
    // Decoding would need 10 GB; nothing close to that was allocated.
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 ** 2);
  });

  it('limits apply: maxSide, maxPixels and maxFileBytes', async () => {
    const bytes = await png8(px8, W, H);
    expect(await reasonOf(decodeImage(bytes, { maxSide: 500 }))).toBe('too_large');
    expect(await reasonOf(decodeImage(bytes, { maxPixels: W * H - 1 }))).toBe('too_large');
    expect(await reasonOf(decodeImage(bytes, { maxFileBytes: bytes.length - 1 }))).toBe('too_large');
    await expect(decodeImage(bytes, { maxSide: W, maxPixels: W * H })).resolves.toMatchObject({ width: W });
  });

  it.each([0.3, 0.9, 0.999])('truncated PNG, JPEG and TIFFs (kept %s) are "truncated"', async (fraction) => {
    const files = {
      png: await png8(px8, W, H),
      png16: await png16(px16, W, H),
      jpeg: await jpeg8(px8, W, H),
      tiffNone: await tiff8(px8, W, H, 'none'),
      tiffLzw: await tiff8(px8, W, H, 'lzw'),
      tiffDeflate: await tiff8(px8, W, H, 'deflate'),
      tiffPackbits: await tiff8(px8, W, H, 'packbits'),
      tiffIfdFirst: writeTiff([{ width: W, height: H, data: px8 }]),
      tiff16IfdFirst: writeTiff([{ width: W, height: H, data: px16 }], { compression: 'deflate' }),
    };
    const reasons = Object.fromEntries(
      await Promise.all(Object.entries(files).map(async ([name, bytes]) => [name, await reasonOf(decodeImage(truncate(bytes, fraction)))])),
    );
    expect(reasons).toEqual(Object.fromEntries(Object.keys(files).map((name) => [name, 'truncated'])));
  });

  it('a PNG whose data is corrupt but complete is "unreadable", with the codec message', async () => {
    const bytes = new Uint8Array(await png8(px8, W, H));
    // Flip bytes inside the first IDAT chunk: the CRC no longer matches, the file still ends in IEND.
    for (let i = 200; i < 260; i++) bytes[i] = bytes[i]! ^ 0x5a;
    const err = await decodeImage(bytes).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageDecodeError);
    expect((err as ImageDecodeError).reason).toBe('unreadable');
    expect((err as ImageDecodeError).message).toMatch(/PNG/);
  });
});
