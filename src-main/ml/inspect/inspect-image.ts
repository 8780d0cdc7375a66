/**
 * The scan an Inspect tool looks at, at full resolution (8-bit, the import's intensity window):
 * a project image (its original file, or its training-cache record when the file has moved)
 * or any image file on disk.
 */
import { existsSync } from 'node:fs';
import { decodeSource } from '../../imaging/decode-source.js';
import { toEightBit } from '../../imaging/to-8bit.js';
import { TrainingCache } from '../../imaging/training-cache.js';
import { imageFileRef } from '../../project/images.js';
import type { Project } from '../../project/project.js';
import type { Image8 } from '../embed/extract.js';
import { InspectInputError } from './run-backbone.js';

export interface InspectScan extends Image8 {
  /** Where the pixels came from, for captions. */
  source: string;
}

export async function projectScan(project: Project, imageId: number): Promise<InspectScan> {
  const ref = imageFileRef(project.db, imageId);
  if (!ref) throw new InspectInputError(`No image ${imageId} in this project.`);
  if (existsSync(ref.path)) {
    const image = await decodeSource(ref.path, ref.frameIndex);
    return { width: image.width, height: image.height, data: toEightBit(image).data, source: ref.path };
  }
  const slot = project.db.prepare('SELECT cache_offset FROM images WHERE id = ?').pluck().get(imageId) as number | null;
  if (slot === null) throw new InspectInputError(`Image ${imageId}'s file is missing (${ref.path}) and it has no training-cache record.`);
  const cache = TrainingCache.open(project.path('cache'));
  try {
    return { width: cache.size, height: cache.size, data: await cache.read(slot), source: `${ref.path} (missing; training-cache copy)` };
  } finally {
    await cache.close();
  }
}

export async function fileScan(file: string): Promise<InspectScan> {
  if (!existsSync(file)) throw new InspectInputError(`No file ${file}.`);
  const image = await decodeSource(file, 0);
  return { width: image.width, height: image.height, data: toEightBit(image).data, source: file };
}
