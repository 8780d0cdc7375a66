/**
 * Browse thumbnails: one small 8-bit grayscale file per B-scan (per DICOM frame), keyed by the
 * content hash so a re-import of the same pixels finds the same path and rewrites nothing new.
 *
 * Format: single-channel baseline JPEG. Measured here (sharp 0.35, 504x496 noisy B-scan → 256
 * px): JPEG ≈ 2.4 ms, WebP ≈ 5 ms at effort 0 and ≈ 10 ms at the default effort, for files of
 * the same size (~17 KB); WebP also has no grayscale mode (it stores chroma). Thumbnails are a
 * cost paid once per image on import, so the faster encoder wins.
 */
import path from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic } from './atomic-write.js';

export const THUMBNAIL_EXTENSION = '.jpg';
export const DEFAULT_THUMBNAIL_SIDE = 256;
/** Quality 80 keeps speckle texture readable at browse size; Huffman optimisation costs ~10% time for ~3% size. */
const JPEG_OPTIONS = { quality: 80, optimiseCoding: false } as const;

export interface ThumbnailInfo {
  width: number;
  height: number;
  /** Size of the written file. */
  bytes: number;
}

/**
 * `thumbs/ab/<hash>-<frame>.jpg`: the first two hex digits shard the folder so no directory
 * holds 78k entries. The hash must be hex: it becomes part of a path.
 */
export function thumbnailPath(thumbsDir: string, contentHash: string, frameIndex: number): string {
  if (!/^[0-9a-f]{2,128}$/i.test(contentHash)) throw new Error(`Content hash must be hex, got "${contentHash}".`);
  if (!Number.isInteger(frameIndex) || frameIndex < 0) throw new Error(`Frame index must be a non-negative integer, got ${frameIndex}.`);
  const hash = contentHash.toLowerCase();
  return path.join(thumbsDir, hash.slice(0, 2), `${hash}-${frameIndex}${THUMBNAIL_EXTENSION}`);
}

/** The thumbnail's size: the image fitted inside maxSide x maxSide, aspect kept, never enlarged. */
export function thumbnailSize(width: number, height: number, maxSide = DEFAULT_THUMBNAIL_SIDE): { width: number; height: number } {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** Encodes the thumbnail of an 8-bit image without touching the disk (the web host serves this). */
export async function encodeThumbnail(
  image8: Uint8Array,
  width: number,
  height: number,
  maxSide = DEFAULT_THUMBNAIL_SIDE,
): Promise<{ data: Buffer; width: number; height: number }> {
  const size = thumbnailSize(width, height, maxSide);
  return { data: await encodeThumbnailSized(image8, width, height, size), ...size };
}

/**
 * Encodes `source` (8-bit grayscale, row-major) resized to exactly `size`. The source need not
 * have the thumbnail's aspect: the import passes the already-shrunk S x S training record
 * and the original's thumbnail size, which skips a second full-size resample (see prepare.ts).
 */
export async function encodeThumbnailSized(
  source: Uint8Array,
  width: number,
  height: number,
  size: { width: number; height: number },
): Promise<Buffer> {
  if (source.length !== width * height) throw new Error(`Expected ${width * height} bytes for ${width} x ${height}, got ${source.length}.`);
  let pipeline = sharp(source, { raw: { width, height, channels: 1 } });
  if (size.width !== width || size.height !== height) pipeline = pipeline.resize(size.width, size.height, { fit: 'fill' });
  // Without toColourspace sharp turns 1-channel raw input into RGB on output.
  return pipeline.toColourspace('b-w').jpeg(JPEG_OPTIONS).toBuffer();
}

/** Encodes `source` at `size` and writes it atomically to `outFile`, creating folders. */
export async function writeThumbnailSized(
  source: Uint8Array,
  width: number,
  height: number,
  size: { width: number; height: number },
  outFile: string,
): Promise<ThumbnailInfo> {
  const data = await encodeThumbnailSized(source, width, height, size);
  await writeFileAtomic(outFile, data);
  return { width: size.width, height: size.height, bytes: data.length };
}

export async function writeThumbnail(
  image8: Uint8Array,
  width: number,
  height: number,
  outFile: string,
  maxSide = DEFAULT_THUMBNAIL_SIDE,
): Promise<ThumbnailInfo> {
  return writeThumbnailSized(image8, width, height, thumbnailSize(width, height, maxSide), outFile);
}
