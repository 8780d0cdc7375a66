/**
 * Everything the import derives from one decoded image, in one call: the 8-bit rescale (done
 * once, shared), the training-cache record and the browse thumbnail.
 *
 * The full-size image is resampled once: the S x S record is made first, and the thumbnail is
 * encoded from it (S x S → e.g. 256 x 252, a near-identity resample) while the record is
 * written. Measured on the 2 build cores: a thumbnail from the full 504 x 496 image costs
 * ≈ 2.2 ms of CPU, from the record ≈ 0.8 ms — the difference is a third of the per-image
 * budget at 300 images/s. When the record is smaller than the thumbnail, both come from the
 * full image, concurrently (each sharp pipeline is its own job on libuv's threadpool).
 */
import type { GrayImage } from './gray-image.js';
import { thumbnailPath, thumbnailSize, writeThumbnailSized } from './thumbnail.js';
import { toEightBit, type IntensityWindow } from './to-8bit.js';
import type { TrainingCache } from './training-cache.js';

export interface PrepareOptions {
  thumbsDir: string;
  /** Hex content hash of the source file; names the thumbnail (idempotent re-import). */
  contentHash: string;
  /** Frame within the file (0 for single-image files; the DICOM frame otherwise). */
  frameIndex: number;
  cache: TrainingCache;
  /** The cache slot this image owns (allocated by the caller, registered in SQLite after). */
  slot: number;
}

export interface PreparedDerived {
  /** Path of the written thumbnail. */
  thumbnail: string;
  /** The 16-bit → 8-bit window used (store it for display); null for 8-bit input. */
  window: IntensityWindow | null;
}

export async function prepareDerived(image: GrayImage, opts: PrepareOptions): Promise<PreparedDerived> {
  const { width, height } = image;
  const { data, window } = toEightBit(image);
  const thumbnail = thumbnailPath(opts.thumbsDir, opts.contentHash, opts.frameIndex);
  const size = thumbnailSize(width, height);
  const S = opts.cache.size;
  if (size.width > S || size.height > S) {
    // The record is smaller than the thumbnail: resample both from the full image.
    await Promise.all([writeThumbnailSized(data, width, height, size, thumbnail), opts.cache.write(opts.slot, data, width, height)]);
  } else {
    const record = await opts.cache.resize(data, width, height);
    await Promise.all([writeThumbnailSized(record, S, S, size, thumbnail), opts.cache.writeRecord(opts.slot, record)]);
  }
  return { thumbnail, window: image.bitDepth === 16 ? window : null };
}
