import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../../src-main/imaging/decode.js';
import { ImageDecodeError } from '../../../src-main/imaging/gray-image.js';
import { looksTruncated, probeHeader, sniffFormat } from '../../../src-main/imaging/sniff.js';
import { readFirstTiffDirectory } from '../../../src-main/imaging/tiff-directory.js';
import { bscan16, bscan8, jpeg8, png16, png8, tiff8, truncate } from './fixtures.js';
import { writeTiff } from '../../fixtures/tiff-writer.js';

const W = 504;
const H = 496;
const px = bscan8(W, H);

describe('sniffFormat', () => {
  it('recognises PNG, JPEG and TIFF by magic bytes, not extension', async () => {
    expect(sniffFormat(await png8(px, W, H))).toEqual({ kind: 'decodable', format: 'png' });
    expect(sniffFormat(await jpeg8(px, W, H))).toEqual({ kind: 'decodable', format: 'jpeg' });
    expect(sniffFormat(await tiff8(px, W, H, 'lzw'))).toEqual({ kind: 'decodable', format: 'tiff' });
    expect(sniffFormat(writeTiff([{ width: 4, height: 4, data: new Uint8Array(16) }], { bigEndian: true }))).toEqual({
      kind: 'decodable',
      format: 'tiff',
    });
  });

  it('names other image formats and leaves the rest unknown', () => {
    expect(sniffFormat(new TextEncoder().encode('GIF89a......'))).toEqual({ kind: 'other', name: 'GIF' });
    expect(sniffFormat(new TextEncoder().encode('RIFF\0\0\0\0WEBPVP8 '))).toEqual({ kind: 'other', name: 'WebP' });
    expect(sniffFormat(new TextEncoder().encode('hello'))).toEqual({ kind: 'unknown' });
    expect(sniffFormat(new Uint8Array([0x89, 0x50]))).toEqual({ kind: 'unknown' });
  });
});

describe('probeHeader', () => {
  it('reads the claimed size from PNG, JPEG and both TIFF layouts', async () => {
    const size = { width: W, height: H, bitDepth: 8 };
    expect(probeHeader('png', await png8(px, W, H))).toEqual(size);
    expect(probeHeader('jpeg', await jpeg8(px, W, H))).toEqual(size);
    expect(probeHeader('tiff', await tiff8(px, W, H, 'deflate'))).toEqual(size);
    expect(probeHeader('tiff', writeTiff([{ width: W, height: H, data: px }], { bigEndian: true }))).toEqual(size);
  });

  it('reads 16-bit depth from PNG and TIFF headers', async () => {
    const deep = bscan16(8, 4);
    expect(probeHeader('png', await png16(deep, 8, 4))).toEqual({ width: 8, height: 4, bitDepth: 16 });
    expect(probeHeader('tiff', writeTiff([{ width: 8, height: 4, data: deep }]))).toEqual({ width: 8, height: 4, bitDepth: 16 });
  });

  it('a JPEG whose frame header claims 60000 x 60000 is refused before decoding', async () => {
    const bytes = new Uint8Array(await jpeg8(px, W, H));
    const view = new DataView(bytes.buffer);
    // Find the SOF segment the probe reads and rewrite its size.
    for (let at = 2; at < bytes.length - 9; ) {
      const marker = bytes[at + 1]!;
      if (marker >= 0xc0 && marker <= 0xc3) {
        view.setUint16(at + 5, 60_000);
        view.setUint16(at + 7, 60_000);
        break;
      }
      at += 2 + view.getUint16(at + 2);
    }
    expect(probeHeader('jpeg', bytes)).toEqual({ width: 60_000, height: 60_000, bitDepth: 8 });
    const err = await decodeImage(bytes).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageDecodeError);
    expect((err as ImageDecodeError).reason).toBe('too_large');
  });
});

describe('looksTruncated / readFirstTiffDirectory', () => {
  it('complete files are not truncated', async () => {
    expect(looksTruncated('png', await png8(px, W, H))).toBe(false);
    expect(looksTruncated('jpeg', await jpeg8(px, W, H))).toBe(false);
    expect(looksTruncated('tiff', await tiff8(px, W, H, 'none'))).toBe(false);
    expect(looksTruncated('tiff', writeTiff([{ width: W, height: H, data: px }]))).toBe(false);
  });

  it('cut-off files are, for either TIFF layout', async () => {
    expect(looksTruncated('png', truncate(await png8(px, W, H), 0.99))).toBe(true);
    expect(looksTruncated('jpeg', truncate(await jpeg8(px, W, H), 0.99))).toBe(true);
    const ifdLast = readFirstTiffDirectory(truncate(await tiff8(px, W, H, 'none'), 0.99));
    expect(ifdLast).toEqual({ complete: false, why: 'its image directory lies past the end of the file' });
    const ifdFirst = readFirstTiffDirectory(truncate(writeTiff([{ width: W, height: H, data: px }]), 0.99));
    expect(ifdFirst).toEqual({ complete: false, why: 'its image data lies past the end of the file' });
  });
});
