import { describe, expect, it } from 'vitest';

import { ImageDecodeError } from '../../../../src-main/imaging/gray-image.js';
import { decodeRleFrame, unpackBits } from '../../../../src-main/import/dicom/rle-decoder.js';

/** A 64-byte RLE header (segment count + offsets) followed by the given segments. */
function rleFrame(segments: number[][]): Uint8Array {
  const header = new Uint8Array(64);
  const view = new DataView(header.buffer);
  view.setUint32(0, segments.length, true);
  let offset = 64;
  segments.forEach((segment, i) => {
    view.setUint32(4 + 4 * i, offset, true);
    offset += segment.length;
  });
  return new Uint8Array([...header, ...segments.flat()]);
}

describe('unpackBits (PackBits, PS3.5 G.3.1)', () => {
  it('copies literal runs, repeats replicate runs and skips -128', () => {
    const out = new Uint8Array(9);
    // 2 → copy 3 bytes; -3 (0xfd) → repeat next byte 4 times; -128 (0x80) → no-op; 1 → copy 2.
    const written = unpackBits(new Uint8Array([2, 10, 11, 12, 0xfd, 7, 0x80, 1, 20, 21]), out);
    expect(written).toBe(9);
    expect([...out]).toEqual([10, 11, 12, 7, 7, 7, 7, 20, 21]);
  });

  it('stops at the output size and reports a short segment', () => {
    const out = new Uint8Array(2);
    expect(unpackBits(new Uint8Array([0xfb, 5]), out)).toBe(2); // 6 repeats, only 2 fit
    expect([...out]).toEqual([5, 5]);
    expect(unpackBits(new Uint8Array([0]), new Uint8Array(4))).toBe(0); // literal with no data
  });
});

describe('decodeRleFrame', () => {
  it('decodes one 8-bit grey segment', () => {
    const frame = rleFrame([[0xfe, 9, 1, 1, 2]]); // 3 x 9, then literal 1, 2
    expect([...decodeRleFrame(frame, { width: 5, height: 1, samplesPerPixel: 1, bitsAllocated: 8 })]).toEqual([
      9, 9, 9, 1, 2,
    ]);
  });

  it('joins 16-bit samples from the high-byte segment then the low-byte segment', () => {
    const frame = rleFrame([
      [0xff, 0x0a, 0, 0x0f], // high bytes: 0x0a, 0x0a, 0x0f
      [2, 0x01, 0x02, 0xff], // low bytes: 0x01, 0x02, 0xff
    ]);
    const samples = decodeRleFrame(frame, { width: 3, height: 1, samplesPerPixel: 1, bitsAllocated: 16 });
    expect(samples).toBeInstanceOf(Uint16Array);
    expect([...samples]).toEqual([0x0a01, 0x0a02, 0x0fff]);
  });

  it('interleaves colour planes R, G, B', () => {
    const frame = rleFrame([
      [0xff, 200], // R: 200, 200
      [1, 10, 20], // G: 10, 20
      [0xff, 0], // B: 0, 0
    ]);
    const samples = decodeRleFrame(frame, { width: 2, height: 1, samplesPerPixel: 3, bitsAllocated: 8 });
    expect([...samples]).toEqual([200, 10, 0, 200, 20, 0]);
  });

  it('rejects a wrong segment count and a short segment, naming them', () => {
    const shape = { width: 4, height: 1, samplesPerPixel: 1, bitsAllocated: 16 };
    expect(() => decodeRleFrame(rleFrame([[0xfd, 1]]), shape)).toThrow(/1 segments; 1 sample\(s\) of 16 bits need 2/);
    try {
      decodeRleFrame(rleFrame([[0xfd, 1], [0, 1]]), shape);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ImageDecodeError);
      expect((error as ImageDecodeError).reason).toBe('truncated');
      expect((error as ImageDecodeError).message).toContain('segment 2 decodes to 1 bytes, 4 expected');
    }
    expect(() => decodeRleFrame(new Uint8Array(10), shape)).toThrow(/shorter than its 64-byte header/);
  });
});
