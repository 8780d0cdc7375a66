/**
 * Decode PNG, TIFF and JPEG bytes into a `GrayImage`, through sharp (libvips) — the fastest
 * decoder on the build machines (ENVIRONMENT.md). Every failure becomes an `ImageDecodeError`
 * with a reason the import shows next to the file; nothing a user's file contains may crash
 * the import or exhaust memory.
 *
 * Order of checks, cheapest first: empty → magic bytes → container completeness (TIFF) →
 * header dimensions against the limits (parsed in JS, then again from sharp's header read) →
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
import { looksTruncated, probeDimensions, sniffFormat, type DecodableFormat } from './sniff.js';
import { readFirstTiffDirectory } from './tiff-directory.js';

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
  if (format === 'tiff') {
    const dir = readFirstTiffDirectory(bytes);
    if (!dir.complete) throw new ImageDecodeError('truncated', `Truncated TIFF file: ${dir.why}.`);
  }
  const claimed = probeDimensions(format, bytes);
  if (claimed) checkDimensions(claimed.width, claimed.height, lim);

  // limitInputPixels makes libvips itself refuse oversized input too, as a second guard.
  const options = { failOn: FAIL_ON, limitInputPixels: lim.maxPixels } as const;
  let meta: Metadata;
  try {
    meta = await sharp(bytes, options).metadata();
  } catch (err) {
    throw classify(err, format, bytes);
  }
  const { width, height } = meta;
  if (!width || !height) throw new ImageDecodeError('unreadable', `The ${format.toUpperCase()} header gives no image size.`);
  checkDimensions(width, height, lim);

  const sixteen = meta.depth === 'ushort';
  if (!sixteen && meta.depth !== 'uchar') {
    throw new ImageDecodeError('unsupported', `${meta.depth} samples are not supported; expected 8- or 16-bit unsigned.`);
  }
  try {
    let pipeline = sharp(bytes, options);
    if (meta.hasAlpha) pipeline = pipeline.removeAlpha();
    // Without an explicit colourspace sharp outputs 3 channels even for grayscale input.
    if (sixteen) {
      const { data, info } = await pipeline.toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
      expectSize(info, width, height, data.length, 2);
      return { width, height, bitDepth: 16, data: asUint16(data) };
    }
    const { data, info } = await pipeline.toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    expectSize(info, width, height, data.length, 1);
    return { width, height, bitDepth: 8, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (err) {
    throw classify(err, format, bytes);
  }
}

function expectSize(info: OutputInfo, width: number, height: number, length: number, bytesPerSample: number): void {
  if (info.channels !== 1 || info.width !== width || info.height !== height || length !== width * height * bytesPerSample) {
    throw new ImageDecodeError(
      'unreadable',
      `Decoder returned ${info.width} x ${info.height} x ${info.channels} for a ${describe(width, height)} header.`,
    );
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
    const bytes = await handle.readFile();
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  } finally {
    await handle.close();
  }
}

export async function decodeImageFile(path: string, limits: Partial<ImageLimits> = {}): Promise<GrayImage> {
  return decodeImage(await readImageFile(path, limits), limits);
}
