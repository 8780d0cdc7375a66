/**
 * Decode PNG, TIFF and JPEG bytes into a `GrayImage`, through sharp (libvips) — the fastest
 * decoder on the build machines (ENVIRONMENT.md). Every failure becomes an `ImageDecodeError`
 * with a reason the import shows next to the file; nothing a user's file contains may crash
 * the import or exhaust memory.
 *
 * Uncompressed grayscale TIFF strips (the commonest export) are copied out in JS instead
 * (`tiff-simple.ts`); everything else goes through libvips.
 *
 * Order of checks, cheapest first: empty → magic bytes → container completeness (TIFF) →
 * header dimensions and depth (parsed in JS; libvips' header read only when JS cannot tell) →
 * pixels. Nothing is allocated for pixels until the size is known to be within limits.
 *
 * Conventions:
 * - Multi-page TIFF: only the **first page** is decoded (OCT exports that stack a volume in
 *   one TIFF are rare; OLIVES stores one B-scan per file). Volumes belong to the DICOM path.
 * - Colour input becomes luma (libvips' sRGB → B_W conversion); an alpha channel is dropped.
 * - 16-bit input (PNG, TIFF) stays 16-bit (`GrayImage16`) so display can window it; see
 *   `to-8bit.ts` for the 8-bit rescale used for thumbnails and training.
 * - EXIF orientation is ignored: a B-scan's pixel order is what the device wrote.
 */
import { open } from 'node:fs/promises';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import {
  DEFAULT_IMAGE_LIMITS,
  ImageDecodeError,
  type GrayImage,
  type ImageErrorReason,
  type ImageLimits,
} from './gray-image.js';
import { looksTruncated, probeHeader, sniffFormat, type DecodableFormat } from './sniff.js';
import { readFirstTiffDirectory } from './tiff-directory.js';
import { decodeSimpleTiff } from './tiff-simple.js';

/**
 * libvips only warns on many benign oddities (unknown TIFF tags, bytes after a JPEG's end);
 * 'error' accepts those, yet a cut-off PNG, JPEG or TIFF still fails (checked by the tests).
 */
const FAIL_ON = 'error' as const;

/** Codec messages that mean "the data stopped early" (libjpeg, libtiff, libvips sources). */
const TRUNCATION_MESSAGE = /premature end|unexpected end|truncat|read error at scanline|bad seek|seek error|short read|end of file/i;

function resolveLimits(limits: Partial<ImageLimits>): ImageLimits {
  return { ...DEFAULT_IMAGE_LIMITS, ...limits };
}

function describe(width: number, height: number): string {
  return `${width} x ${height}`;
}

function checkDimensions(width: number, height: number, limits: ImageLimits): void {
  if (width > limits.maxSide || height > limits.maxSide || width * height > limits.maxPixels) {
    throw new ImageDecodeError(
      'too_large',
      `Image is ${describe(width, height)} pixels; the limit is ${limits.maxSide} per side and ${limits.maxPixels} in total.`,
    );
  }
}

/** Turns a codec exception into a typed error; the codec's own words stay in the message. */
function classify(err: unknown, format: DecodableFormat, bytes: Uint8Array): ImageDecodeError {
  if (err instanceof ImageDecodeError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const firstLine = message.split('\n').find((line) => line.trim() !== '') ?? message;
  let reason: ImageErrorReason = 'unreadable';
  if (/exceeds pixel limit/i.test(message)) reason = 'too_large';
  else if (TRUNCATION_MESSAGE.test(message) || looksTruncated(format, bytes)) reason = 'truncated';
  const what = reason === 'truncated' ? `Truncated ${format.toUpperCase()} file` : `Cannot decode ${format.toUpperCase()}`;
  return new ImageDecodeError(reason, `${what}: ${firstLine.trim()}`);
}

export async function decodeImage(bytes: Uint8Array, limits: Partial<ImageLimits> = {}): Promise<GrayImage> {
  const lim = resolveLimits(limits);
  if (bytes.length === 0) throw new ImageDecodeError('empty', 'The file is empty (0 bytes).');
  if (bytes.length > lim.maxFileBytes) {
    throw new ImageDecodeError('too_large', `The file is ${bytes.length} bytes; the limit is ${lim.maxFileBytes}.`);
  }
  const sniffed = sniffFormat(bytes);
  if (sniffed.kind === 'other') {
    throw new ImageDecodeError('unsupported', `${sniffed.name} files are not decoded here; supported are PNG, TIFF and JPEG.`);
  }
  if (sniffed.kind === 'unknown') {
    throw new ImageDecodeError('not_an_image', 'Not a PNG, TIFF or JPEG image (unrecognised file signature).');
  }
  const format = sniffed.format;
  const dir = format === 'tiff' ? readFirstTiffDirectory(bytes) : null;
  if (dir && !dir.complete) throw new ImageDecodeError('truncated', `Truncated TIFF file: ${dir.why}.`);
  const claimed = probeHeader(format, bytes);
  if (claimed) checkDimensions(claimed.width, claimed.height, lim);
  const simple = dir && claimed ? decodeSimpleTiff(bytes, dir) : null;
  if (simple) return simple;

  // limitInputPixels makes libvips itself refuse oversized input too, as a second guard.
  const options = { failOn: FAIL_ON, limitInputPixels: lim.maxPixels } as const;
  let bitDepth = claimed?.bitDepth ?? null;
  if (bitDepth === null) {
    // The header did not say (e.g. 1-bit or float TIFF): ask libvips, which reads only the header.
    let meta: Metadata;
    try {
      meta = await sharp(bytes, options).metadata();
    } catch (err) {
      throw classify(err, format, bytes);
    }
    if (!meta.width || !meta.height) throw new ImageDecodeError('unreadable', `The ${format.toUpperCase()} header gives no image size.`);
    checkDimensions(meta.width, meta.height, lim);
    if (meta.depth !== 'uchar' && meta.depth !== 'ushort') {
      throw new ImageDecodeError('unsupported', `${meta.depth} samples are not supported; expected 8- or 16-bit unsigned.`);
    }
    bitDepth = meta.depth === 'ushort' ? 16 : 8;
  }

  try {
    // removeAlpha is a no-op without alpha. Without an explicit colourspace sharp outputs
    // 3 channels even for grayscale input.
    const pipeline = sharp(bytes, options).removeAlpha();
    if (bitDepth === 16) {
      const { data, info } = await pipeline.toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
      checkOutput(info, data.length, 2, lim);
      return { width: info.width, height: info.height, bitDepth: 16, data: asUint16(data) };
    }
    const { data, info } = await pipeline.toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    checkOutput(info, data.length, 1, lim);
    return { width: info.width, height: info.height, bitDepth: 8, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (err) {
    throw classify(err, format, bytes);
  }
}

/** The decoder's output, not the header, is the truth about size; it must still be one channel within limits. */
function checkOutput(info: OutputInfo, length: number, bytesPerSample: number, limits: ImageLimits): void {
  checkDimensions(info.width, info.height, limits);
  if (info.channels !== 1 || length !== info.width * info.height * bytesPerSample) {
    throw new ImageDecodeError('unreadable', `Decoder returned ${info.width} x ${info.height} x ${info.channels} samples; expected one channel.`);
  }
}

/** sharp's ushort output is native-endian; view it without a copy when aligned. */
function asUint16(data: Buffer): Uint16Array {
  if (data.byteOffset % 2 === 0) return new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
  return new Uint16Array(new Uint8Array(data).buffer);
}

/**
 * Reads a file for decoding, refusing it by size *before* reading (limits.maxFileBytes). Returns
 * the bytes so the import can hash exactly what it decodes. File-system errors (ENOENT, EACCES)
 * are passed through unchanged: they are about the path, not the image.
 */
export async function readImageFile(path: string, limits: Partial<ImageLimits> = {}): Promise<Uint8Array> {
  const lim = resolveLimits(limits);
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size === 0) throw new ImageDecodeError('empty', 'The file is empty (0 bytes).');
    if (size > lim.maxFileBytes) {
      throw new ImageDecodeError('too_large', `The file is ${size} bytes; the limit is ${lim.maxFileBytes}.`);
    }
    // One read of the known size (readFile would fstat again and read in chunks until EOF).
    const bytes = new Uint8Array(size);
    let done = 0;
    while (done < size) {
      const { bytesRead } = await handle.read(bytes, done, size - done, done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    // A file that shrank while being read is decoded as what was there (and reported truncated).
    return done === size ? bytes : bytes.subarray(0, done);
  } finally {
    await handle.close();
  }
}

export async function decodeImageFile(path: string, limits: Partial<ImageLimits> = {}): Promise<GrayImage> {
  return decodeImage(await readImageFile(path, limits), limits);
}
