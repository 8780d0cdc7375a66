/**
 * Format sniffing and container-level sanity checks, done in JS on the raw bytes *before* any
 * codec runs. Two reasons: a file from a user is untrusted, so we decide what it is from its
 * magic bytes (never its extension: OLIVES ships whole volumes as `.png`/`.jpg` beside `.tif`,
 * and files get renamed); and codecs report truncation inconsistently (libpng says only
 * "read error", libtiff fails to even recognise a TIFF whose directory was cut off), so the
 * decoder asks this module whether the container is complete to tell 'truncated' from
 * 'unreadable'.
 */

import { readFirstTiffDirectory, TIFF_TAG } from './tiff-directory.js';

/** The formats `decodeImage` handles (through sharp/libvips). */
export type DecodableFormat = 'png' | 'tiff' | 'jpeg';

export type Sniffed =
  | { kind: 'decodable'; format: DecodableFormat }
  /** A real image or medical format that this decoder does not take; `name` is for the user. */
  | { kind: 'other'; name: string }
  | { kind: 'unknown' };

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(bytes: Uint8Array, prefix: readonly number[], at = 0): boolean {
  if (bytes.length < at + prefix.length) return false;
  return prefix.every((b, i) => bytes[at + i] === b);
}

function ascii(bytes: Uint8Array, at: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(at, at + length));
}

export function sniffFormat(bytes: Uint8Array): Sniffed {
  if (startsWith(bytes, PNG_SIGNATURE)) return { kind: 'decodable', format: 'png' };
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return { kind: 'decodable', format: 'jpeg' };
  // Classic TIFF (42) and BigTIFF (43), little- and big-endian.
  if (
    startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) ||
    startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a]) ||
    startsWith(bytes, [0x49, 0x49, 0x2b, 0x00]) ||
    startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2b])
  ) {
    return { kind: 'decodable', format: 'tiff' };
  }
  // Recognised so the user is told "DICOM/GIF/... is not taken here" rather than "not an image".
  if (bytes.length >= 132 && ascii(bytes, 128, 4) === 'DICM') return { kind: 'other', name: 'DICOM' };
  if (ascii(bytes, 0, 4) === 'GIF8') return { kind: 'other', name: 'GIF' };
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') return { kind: 'other', name: 'WebP' };
  if (ascii(bytes, 0, 2) === 'BM') return { kind: 'other', name: 'BMP' };
  if (startsWith(bytes, [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20]) || startsWith(bytes, [0xff, 0x4f, 0xff, 0x51])) {
    return { kind: 'other', name: 'JPEG 2000' };
  }
  return { kind: 'unknown' };
}

/**
 * Does the container end before its own structure says it should? Only a yes is meaningful:
 * used after a codec failure (PNG, JPEG) or before decoding (TIFF, where libvips would otherwise
 * report a cut-off file as "unsupported image format").
 */
export function looksTruncated(format: DecodableFormat, bytes: Uint8Array): boolean {
  switch (format) {
    case 'png':
      // Every complete PNG ends with the 12-byte IEND chunk (length 0, "IEND", fixed CRC).
      return !startsWith(bytes, [0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82], bytes.length - 12);
    case 'jpeg':
      // EOI marker; some writers pad after it, so look at the last few bytes, not only the end.
      return !hasJpegEnd(bytes);
    case 'tiff':
      return !readFirstTiffDirectory(bytes).complete;
  }
}

function hasJpegEnd(bytes: Uint8Array): boolean {
  for (let i = bytes.length - 2; i >= Math.max(0, bytes.length - 64); i--) {
    if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return true;
  }
  return false;
}

export interface HeaderProbe {
  width: number;
  height: number;
  /** Sample depth the decoder will output (8 or 16), or null when the header leaves it to the codec. */
  bitDepth: 8 | 16 | null;
}

/**
 * Size and sample depth as the file's header claims them, read in JS for two reasons: an absurd
 * size is refused before a codec sees the file (libpng rejects a header-only PNG as "corrupt"
 * before sharp can report its size), and knowing the depth spares a libvips header read per
 * image (≈ 0.25 ms of CPU). Null when the header does not say; the codec decides then.
 */
export function probeHeader(format: DecodableFormat, bytes: Uint8Array): HeaderProbe | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (format) {
    case 'png': {
      // Signature (8), IHDR length (4) and type (4), then width, height (big-endian), bit depth.
      if (bytes.length < 25 || ascii(bytes, 12, 4) !== 'IHDR') return null;
      const bits = bytes[24];
      return { width: view.getUint32(16), height: view.getUint32(20), bitDepth: bits === 16 ? 16 : bits === 8 ? 8 : null };
    }
    case 'tiff': {
      const dir = readFirstTiffDirectory(bytes);
      if (!dir.complete) return null;
      const width = dir.tags.get(TIFF_TAG.imageWidth)?.[0];
      const height = dir.tags.get(TIFF_TAG.imageLength)?.[0];
      if (width === undefined || height === undefined) return null;
      const bits = dir.tags.get(TIFF_TAG.bitsPerSample) ?? [1];
      const unsigned = (dir.tags.get(TIFF_TAG.sampleFormat) ?? [1]).every((f) => f === 1);
      const uniform = bits.every((b) => b === bits[0]);
      const bitDepth = unsigned && uniform && (bits[0] === 8 || bits[0] === 16) ? bits[0] : null;
      return { width, height, bitDepth };
    }
    case 'jpeg':
      return jpegFrameHeader(bytes, view);
  }
}

/** Walks JPEG marker segments to the first start-of-frame (SOF0..SOF15 except DHT, JPG, DAC). */
function jpegFrameHeader(bytes: Uint8Array, view: DataView): HeaderProbe | null {
  let at = 2;
  while (at + 9 <= bytes.length) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      // Segment: marker (2), length (2), precision (1), height (2), width (2).
      return { height: view.getUint16(at + 5), width: view.getUint16(at + 7), bitDepth: bytes[at + 4] === 8 ? 8 : null };
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      at += 2; // markers without a length
      continue;
    }
    at += 2 + view.getUint16(at + 2);
  }
  return null;
}
