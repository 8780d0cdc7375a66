import path from 'node:path';
import { z } from 'zod';
import type { SqliteDatabase } from './database.js';

export interface ImageListItem {
  id: number;
  relPath: string;
  patient: string | null;
  eye: 'OD' | 'OS' | null;
  visit: string | null;
  sliceIndex: number | null;
  frameIndex: number;
  width: number | null;
  height: number | null;
  status: 'pending' | 'ok' | 'error';
  error: string | null;
}

export interface ImagePage {
  total: number;
  items: ImageListItem[];
}

/** Filters of the dataset browser; every field narrows the list. */
export const imageFilterSchema = z
  .object({
    patient: z.string().max(200).optional(),
    eye: z.enum(['OD', 'OS']).optional(),
    visit: z.string().max(200).optional(),
    status: z.enum(['ok', 'error']).optional(),
    split: z.object({ id: z.number().int().positive(), subset: z.enum(['train', 'val', 'test']) }).strict().optional(),
    label: z
      .object({ id: z.number().int().positive(), value: z.enum(['present', 'absent', 'uncertain', 'unknown']) })
      .strict()
      .optional(),
  })
  .strict();
export type ImageFilter = z.infer<typeof imageFilterSchema>;

/** SQL conditions and their bound values for a filter; never string-built from input. */
function whereClause(filter: ImageFilter): { sql: string; params: Record<string, unknown> } {
  const conditions: string[] = [];
  const params: Record<string, unknown> = {};
  if (filter.patient !== undefined) {
    conditions.push('p.code = @patient');
    params.patient = filter.patient;
  }
  if (filter.eye !== undefined) {
    conditions.push('i.eye = @eye');
    params.eye = filter.eye;
  }
  if (filter.visit !== undefined) {
    conditions.push('i.visit = @visit');
    params.visit = filter.visit;
  }
  if (filter.status !== undefined) {
    conditions.push('i.status = @status');
    params.status = filter.status;
  }
  if (filter.split) {
    conditions.push('i.patient_id IN (SELECT sa.patient_id FROM split_assignments sa WHERE sa.split_id = @splitId AND sa.subset = @subset)');
    params.splitId = filter.split.id;
    params.subset = filter.split.subset;
  }
  if (filter.label) {
    params.labelId = filter.label.id;
    // IN (subquery) builds the set of matching images once from the (label, value) index; a
    // correlated EXISTS let SQLite scan that index again for every image (20 s on 78k images).
    if (filter.label.value === 'unknown') {
      conditions.push('i.id NOT IN (SELECT a.image_id FROM annotations a WHERE a.label_id = @labelId)');
    } else {
      conditions.push('i.id IN (SELECT a.image_id FROM annotations a WHERE a.label_id = @labelId AND a.value = @labelValue)');
      params.labelValue = filter.label.value;
    }
  }
  return { sql: conditions.length ? `WHERE ${conditions.join(' AND ')}` : '', params };
}

const SELECT_ITEM = `SELECT i.id, i.rel_path AS relPath, p.code AS patient, i.eye, i.visit, i.slice_index AS sliceIndex,
       i.frame_index AS frameIndex, i.width, i.height, i.status, i.error
  FROM images i LEFT JOIN patients p ON p.id = i.patient_id`;

/**
 * One page of images in volume order (each volume's slices together, in slice order), so the
 * grid reads like the data. Ordering by (volume, slice, id) walks an index: the first page of a
 * 78k-image project does not sort the whole table.
 */
export function queryImages(db: SqliteDatabase, filter: ImageFilter, offset: number, limit: number): ImagePage {
  const { count, page, params } = imageQuerySql(filter);
  const total = db.prepare(count).pluck().get(params) as number;
  const items = db.prepare(page).all({ ...params, limit, offset }) as ImageListItem[];
  return { total, items };
}

/** The SQL of a filtered count and page (exported so tests can check their query plans). */
export function imageQuerySql(filter: ImageFilter): { count: string; page: string; params: Record<string, unknown> } {
  const where = whereClause(filter);
  return {
    count: `SELECT count(*) FROM images i LEFT JOIN patients p ON p.id = i.patient_id ${where.sql}`,
    page: `${SELECT_ITEM} ${where.sql} ORDER BY i.volume_id, i.slice_index, i.id LIMIT @limit OFFSET @offset`,
    params: where.params,
  };
}

export interface ImageDetail extends ImageListItem {
  contentHash: string | null;
  byteSize: number | null;
  bitDepth: number | null;
  window: { low: number; high: number } | null;
  source: { id: number; kind: string; label: string };
  volume: { id: number; sliceIds: number[] } | null;
  labels: { labelSet: string; label: string; value: string; annotator: string; source: string }[];
  clinical: { name: string; value: number; unit: string | null }[];
}

/** Everything the image viewer shows about one image, including its volume's other slices. */
export function imageDetail(db: SqliteDatabase, id: number): ImageDetail | null {
  const item = db.prepare(`${SELECT_ITEM} WHERE i.id = ?`).get(id) as ImageListItem | undefined;
  if (!item) return null;
  const extra = db
    .prepare(
      `SELECT i.content_hash AS contentHash, i.byte_size AS byteSize, i.bit_depth AS bitDepth, i.window_low AS low,
              i.window_high AS high, i.volume_id AS volumeId, s.id AS sourceId, s.kind, s.label AS sourceLabel
       FROM images i JOIN sources s ON s.id = i.source_id WHERE i.id = ?`,
    )
    .get(id) as {
    contentHash: string | null;
    byteSize: number | null;
    bitDepth: number | null;
    low: number | null;
    high: number | null;
    volumeId: number | null;
    sourceId: number;
    kind: string;
    sourceLabel: string;
  };
  const sliceIds =
    extra.volumeId === null
      ? []
      : (db.prepare("SELECT id FROM images WHERE volume_id = ? AND status = 'ok' ORDER BY slice_index, id").pluck().all(extra.volumeId) as number[]);
  return {
    ...item,
    contentHash: extra.contentHash,
    byteSize: extra.byteSize,
    bitDepth: extra.bitDepth,
    window: extra.low !== null && extra.high !== null ? { low: extra.low, high: extra.high } : null,
    source: { id: extra.sourceId, kind: extra.kind, label: extra.sourceLabel },
    volume: extra.volumeId === null ? null : { id: extra.volumeId, sliceIds },
    labels: db
      .prepare(
        `SELECT ls.name AS labelSet, l.name AS label, a.value, an.name AS annotator, a.source
         FROM annotations a JOIN labels l ON l.id = a.label_id JOIN label_sets ls ON ls.id = l.label_set_id
         JOIN annotators an ON an.id = a.annotator_id WHERE a.image_id = ? ORDER BY ls.id, l.position, an.name`,
      )
      .all(id) as ImageDetail['labels'],
    clinical: db.prepare('SELECT name, value, unit FROM clinical_values WHERE image_id = ? ORDER BY name').all(id) as ImageDetail['clinical'],
  };
}

export interface ImageFileRef {
  path: string;
  frameIndex: number;
  contentHash: string | null;
  window: { low: number; high: number } | null;
}

/**
 * The file behind an image id. Clients only ever name images by id: the path is built here
 * from the source's root and the stored relative path, never from anything a client sent.
 */
export function imageFileRef(db: SqliteDatabase, id: number): ImageFileRef | null {
  const row = db
    .prepare(
      `SELECT s.root_path AS root, i.rel_path AS rel, i.frame_index AS frameIndex, i.content_hash AS contentHash,
              i.window_low AS low, i.window_high AS high
       FROM images i JOIN sources s ON s.id = i.source_id WHERE i.id = ?`,
    )
    .get(id) as { root: string; rel: string; frameIndex: number; contentHash: string | null; low: number | null; high: number | null } | undefined;
  if (!row) return null;
  return {
    path: path.join(row.root, ...row.rel.split('/')),
    frameIndex: row.frameIndex,
    contentHash: row.contentHash,
    window: row.low !== null && row.high !== null ? { low: row.low, high: row.high } : null,
  };
}

/** Distinct values for the browser's filter menus. */
export function imageFacets(db: SqliteDatabase): { patients: string[]; visits: string[] } {
  return {
    patients: db.prepare('SELECT code FROM patients ORDER BY code').pluck().all() as string[],
    visits: db.prepare('SELECT DISTINCT visit FROM images WHERE visit IS NOT NULL ORDER BY visit').pluck().all() as string[],
  };
}
