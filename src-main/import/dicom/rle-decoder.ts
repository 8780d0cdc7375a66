/**
 * DICOM RLE Lossless (PS3.5 Annex G), written here because no installed codec covers it.
 * A frame is a 64-byte header (segment count + 15 offsets, uint32 LE) followed by one PackBits
 * segment per byte plane: for each sample (R, G, B or the single grey sample), its most
 * significant byte first. Decoded samples come out interleaved (RGBRGB…).
 */
import { ImageDecodeError } from '../../imaging/gray-image.js';

const HEADER_BYTES = 64;
const MAX_SEGMENTS = 15;

export interface RleFrameShape {
  width: number;
  height: number;
  samplesPerPixel: number;
  /** 8 or 16. */
  bitsAllocated: number;
}

/**
 * Unpacks one PackBits segment into `out` (exactly out.length bytes): a header byte n in
 * 0..127 copies the next n+1 bytes, -1..-127 repeats the next byte 1-n times, -128 is a no-op.
 * Returns the number of bytes written (less than out.length means the segment was short).
 */
export function unpackBits(segment: Uint8Array, out: Uint8Array): number {
  let read = 0;
  let written = 0;
  while (written < out.length && read < segment.length) {
    const header = segment[read++] ?? 0;
    const n = header > 127 ? header - 256 : header;
    if (n >= 0) {
      const count = Math.min(n + 1, out.length - written, segment.length - read);
      out.set(segment.subarray(read, read + count), written);
      read += n + 1;
      written += count;
    } else if (n !== -128) {
      const count = Math.min(1 - n, out.length - written);
      if (read >= segment.length) break;
      out.fill(segment[read++] ?? 0, written, written + count);
      written += count;
    }
  }
  return written;
}

function readUint32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] ?? 0) | ((bytes[offset + 1] ?? 0) << 8) | ((bytes[offset + 2] ?? 0) << 16)) + (bytes[offset + 3] ?? 0) * 0x1000000;
}

/** Decodes one RLE frame to interleaved samples: Uint8Array (8-bit) or Uint16Array (16-bit). */
export function decodeRleFrame(frame: Uint8Array, shape: RleFrameShape): Uint8Array | Uint16Array {
  const { width, height, samplesPerPixel, bitsAllocated } = shape;
  if (bitsAllocated !== 8 && bitsAllocated !== 16) {
    throw new ImageDecodeError('unsupported', `RLE with BitsAllocated ${bitsAllocated} is not supported (8 or 16 only)`);
  }
  const bytesPerSample = bitsAllocated / 8;
  const expectedSegments = samplesPerPixel * bytesPerSample;
  if (frame.length < HEADER_BYTES) {
    throw new ImageDecodeError('truncated', `RLE frame is ${frame.length} bytes, shorter than its 64-byte header`);
  }
  const segmentCount = readUint32(frame, 0);
  if (segmentCount !== expectedSegments || segmentCount > MAX_SEGMENTS) {
    throw new ImageDecodeError(
      'unreadable',
      `RLE frame has ${segmentCount} segments; ${samplesPerPixel} sample(s) of ${bitsAllocated} bits need ${expectedSegments}`,
    );
  }
  const offsets = Array.from({ length: segmentCount }, (_, i) => readUint32(frame, 4 + 4 * i));
  const pixels = width * height;
  const plane = new Uint8Array(pixels);
  const out = bytesPerSample === 1 ? new Uint8Array(pixels * samplesPerPixel) : new Uint16Array(pixels * samplesPerPixel);
  for (let s = 0; s < segmentCount; s++) {
    const start = offsets[s] ?? 0;
    const end = s + 1 < segmentCount ? (offsets[s + 1] ?? 0) : frame.length;
    if (start < HEADER_BYTES || end > frame.length || end < start) {
      throw new ImageDecodeError('unreadable', `RLE segment ${s + 1} has invalid offsets ${start}..${end} in a ${frame.length}-byte frame`);
    }
    const written = unpackBits(frame.subarray(start, end), plane);
    if (written < pixels) {
      throw new ImageDecodeError('truncated', `RLE segment ${s + 1} decodes to ${written} bytes, ${pixels} expected`);
    }
    const sample = Math.floor(s / bytesPerSample);
    // Most significant byte first: in 16-bit data, segment 0 of a sample is the high byte.
    const shift = (bytesPerSample - 1 - (s % bytesPerSample)) * 8;
    for (let p = 0, o = sample; p < pixels; p++, o += samplesPerPixel) {
      out[o] = (out[o] ?? 0) | ((plane[p] ?? 0) << shift);
    }
  }
  return out;
}
