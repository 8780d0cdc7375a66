import path from 'node:path';
import type { SqliteDatabase } from './database.js';

export interface ImageListItem {
  id: number;
  relPath: string;
  patient: string | null;
  eye: 'OD' | 'OS' | null;
  visit: string | null;
  sliceIndex: number | null;
  width: number | null;
  height: number | null;
  status: 'pending' | 'ok' | 'error';
  error: string | null;
}

export interface ImagePage {
  total: number;
  items: ImageListItem[];
}

/** One page of images in volume order (patient, eye, visit, slice). */
export function listImages(db: SqliteDatabase, offset: number, limit: number): ImagePage {
  const total = db.prepare('SELECT count(*) FROM images').pluck().get() as number;
  const items = db
    .prepare(
      `SELECT i.id, i.rel_path AS relPath, p.code AS patient, i.eye, i.visit, i.slice_index AS sliceIndex,
              i.width, i.height, i.status, i.error
       FROM images i LEFT JOIN patients p ON p.id = i.patient_id
       ORDER BY p.code, i.eye, i.visit, i.slice_index, i.id
       LIMIT ? OFFSET ?`,
    )
    .all(limit, offset) as ImageListItem[];
  return { total, items };
}

/**
 * The file behind an image id. Clients only ever name images by id: the path is built here
 * from the source's root and the stored relative path, never from anything a client sent.
 */
export function imageFilePath(db: SqliteDatabase, id: number): string | null {
  const row = db
    .prepare('SELECT s.root_path AS root, i.rel_path AS rel FROM images i JOIN sources s ON s.id = i.source_id WHERE i.id = ?')
    .get(id) as { root: string; rel: string } | undefined;
  return row ? path.join(row.root, row.rel) : null;
}
