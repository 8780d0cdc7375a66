/**
 * The pipeline's "preprocessing if needed": the training cache is derived data, so when its
 * file is gone (deleted to free disk, a half-copied project) or was written by another format
 * version, the records of every registered image are made again from the source files — the
 * same decode, 8-bit window and resize as at import, into the same slots, so image ids, slots
 * and every run's data hash stay valid. Images whose record is present are not touched.
 *
 * A source file that cannot be read any more stops the repair with what is missing and what to
 * do; the records before the first gap are kept, and running again continues from there.
 */
import { existsSync, renameSync } from 'node:fs';
import path from 'node:path';
import { imageFileRef } from '../project/images.js';
import type { Project } from '../project/project.js';
import { decodeSource } from './decode-source.js';
import { prepareDerived } from './prepare.js';
import { TrainingCache, TrainingCacheFormatError } from './training-cache.js';

export interface CacheRepairResult {
  /** Images with a cache slot. */
  checked: number;
  /** Records that were missing and were written again. */
  rebuilt: number;
  /** The cache file was in a format this version does not read and was set aside. */
  replacedStaleCache: boolean;
}

export class CacheRepairError extends Error {
  override readonly name = 'CacheRepairError';
}

export async function repairTrainingCache(
  project: Project,
  opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void; concurrency?: number } = {},
): Promise<CacheRepairResult> {
  const cacheDir = project.path('cache');
  let cache: TrainingCache;
  let replacedStaleCache = false;
  try {
    cache = TrainingCache.open(cacheDir);
  } catch (err) {
    if (!(err instanceof TrainingCacheFormatError)) throw err;
    // Not ours, or an older layout: keep it aside (never delete what we did not write) and start afresh.
    for (const name of ['pixels-256.u8', 'pixels-256.json']) {
      const file = path.join(cacheDir, name);
      if (existsSync(file)) renameSync(file, `${file}.stale-${Date.now()}`);
    }
    cache = TrainingCache.open(cacheDir);
    replacedStaleCache = true;
  }
  try {
    const images = project.db
      .prepare("SELECT id, content_hash AS hash, cache_offset AS slot FROM images WHERE status = 'ok' AND cache_offset IS NOT NULL ORDER BY cache_offset")
      .all() as { id: number; hash: string; slot: number }[];
    const present = cache.slotCount();
    const missing = images.filter((im) => im.slot >= present);
    const failures: string[] = [];
    let firstFailedSlot = Infinity;
    let done = 0;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < missing.length) {
        opts.signal?.throwIfAborted();
        const im = missing[next++]!;
        const ref = imageFileRef(project.db, im.id);
        try {
          if (!ref) throw new Error('not in the project');
          const image = await decodeSource(ref.path, ref.frameIndex);
          await prepareDerived(image, { thumbsDir: project.path('thumbs'), contentHash: im.hash, frameIndex: ref.frameIndex, cache, slot: im.slot });
        } catch (err) {
          failures.push(`${ref?.path ?? `image ${im.id}`}: ${(err as Error).message}`);
          firstFailedSlot = Math.min(firstFailedSlot, im.slot);
        }
        opts.onProgress?.(++done, missing.length);
      }
    };
    await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 4, Math.max(1, missing.length)) }, worker));
    if (failures.length > 0) {
      // Records past the first gap would look present next time (the file length is all the
      // cache knows): drop them, so the next run writes them again.
      await cache.truncateTo(firstFailedSlot);
      throw new CacheRepairError(
        `${failures.length} of ${missing.length} images could not be read again to rebuild the training cache (first: ${failures[0]}). Reconnect or restore their source folders, then run again.`,
      );
    }
    return { checked: images.length, rebuilt: missing.length, replacedStaleCache };
  } finally {
    await cache.close();
  }
}
