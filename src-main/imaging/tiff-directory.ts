/**
 * Reads the first TIFF image directory (IFD) in JS — the only page we decode — to answer two
 * questions before any codec runs: is the file complete, and how big does it claim to be.
 * Writers such as libvips put the directory at the end, so a cut-off file loses it (and libvips
 * then calls it "unsupported image format"); ImageJ-style writers put it first, so a cut-off
 * file loses strips. Both show up here without decoding a pixel. Classic TIFF and BigTIFF.
 */

export const TIFF_TAG = {
  imageWidth: 256,
  imageLength: 257,
  bitsPerSample: 258,
  compression: 259,
  photometric: 262,
  stripOffsets: 273,
  samplesPerPixel: 277,
  rowsPerStrip: 278,
  stripByteCounts: 279,
  tileOffsets: 324,
  tileByteCounts: 325,
  sampleFormat: 339,
} as const;

/** Bytes per value of each TIFF field type (BYTE, ASCII, SHORT, LONG, RATIONAL, … LONG8). */
const TYPE_SIZES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8 };
const WANTED: ReadonlySet<number> = new Set(Object.values(TIFF_TAG));
/** Sanity bound on array tags: a B-scan has tens of strips, a hostile file could claim 2^32. */
const MAX_VALUES = 1 << 20;

export type TiffDirectory =
  | { complete: true; littleEndian: boolean; tags: ReadonlyMap<number, readonly number[]> }
  | { complete: false; why: string };

function incomplete(why: string): TiffDirectory {
  return { complete: false, why };
}

export function readFirstTiffDirectory(bytes: Uint8Array): TiffDirectory {
  if (bytes.length < 8) return incomplete('the header is cut off');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = bytes[0] === 0x49;
  const big = view.getUint16(2, le) === 43;
  if (big && bytes.length < 16) return incomplete('the header is cut off');
  const readOffset = (at: number): number => (big ? Number(view.getBigUint64(at, le)) : view.getUint32(at, le));
  const countSize = big ? 8 : 2;
  const entrySize = big ? 20 : 12;
  const inlineSize = big ? 8 : 4;

  const ifd = readOffset(big ? 8 : 4);
  if (ifd + countSize > bytes.length) return incomplete('its image directory lies past the end of the file');
  const count = big ? Number(view.getBigUint64(ifd, le)) : view.getUint16(ifd, le);
  if (ifd + countSize + count * entrySize > bytes.length) return incomplete('its image directory is cut off');

  const tags = new Map<number, number[]>();
  for (let i = 0; i < count; i++) {
    const at = ifd + countSize + i * entrySize;
    const tag = view.getUint16(at, le);
    if (!WANTED.has(tag)) continue;
    const size = TYPE_SIZES[view.getUint16(at + 2, le)] ?? 4;
    const n = big ? Number(view.getBigUint64(at + 4, le)) : view.getUint32(at + 4, le);
    if (n > MAX_VALUES) continue; // leave absurd arrays to the codec, which will reject them
    const field = at + 4 + (big ? 8 : 4);
    const valueAt = n * size <= inlineSize ? field : readOffset(field);
    if (valueAt + n * size > bytes.length) return incomplete(`tag ${tag} points past the end of the file`);
    const values: number[] = [];
    for (let k = 0; k < n; k++) {
      const p = valueAt + k * size;
      values.push(size === 1 ? view.getUint8(p) : size === 2 ? view.getUint16(p, le) : size === 8 ? Number(view.getBigUint64(p, le)) : view.getUint32(p, le));
    }
    tags.set(tag, values);
  }

  const offsets = tags.get(TIFF_TAG.stripOffsets) ?? tags.get(TIFF_TAG.tileOffsets) ?? [];
  const counts = tags.get(TIFF_TAG.stripByteCounts) ?? tags.get(TIFF_TAG.tileByteCounts) ?? [];
  if (offsets.some((offset, k) => offset + (counts[k] ?? 0) > bytes.length)) {
    return incomplete('its image data lies past the end of the file');
  }
  return { complete: true, littleEndian: le, tags };
}
