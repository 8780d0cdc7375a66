/**
 * Everything the import derives from one decoded image, in one call: the 8-bit rescale (done
 * once, shared), the browse thumbnail and the training-cache record. The two sharp pipelines
 * run concurrently: each is a separate libvips job on libuv's threadpool, so on the two build
 * cores they overlap instead of queueing behind each other.
 */
import type { GrayImage } from './gray-image.js';
import { thumbnailPath, writeThumbnail } from './thumbnail.js';
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
  const { data, window } = toEightBit(image);
  const thumbnail = thumbnailPath(opts.thumbsDir, opts.contentHash, opts.frameIndex);
  await Promise.all([
    writeThumbnail(data, image.width, image.height, thumbnail),
    opts.cache.write(opts.slot, data, image.width, image.height),
  ]);
  return { thumbnail, window: image.bitDepth === 16 ? window : null };
}
