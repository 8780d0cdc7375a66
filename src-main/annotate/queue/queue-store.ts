/**
 * Reading the labelling queues the `annotate.queue` job stores (plain SQLite: the API process
 * reads them without loading any model code).
 */
import type { SqliteDatabase } from '../../project/database.js';

/** The newest queue of a label set with its items and whether each is labelled by now. */
export function latestQueue(db: SqliteDatabase, labelSetId: number): { id: number; strategy: string; createdAt: string; items: { rank: number; imageId: number; reason: string; score: number | null; labelled: boolean }[] } | null {
  const q = db.prepare('SELECT id, strategy, created_at AS createdAt FROM annotation_queues WHERE label_set_id = ? ORDER BY id DESC LIMIT 1').get(labelSetId) as { id: number; strategy: string; createdAt: string } | undefined;
  if (!q) return null;
  const items = db
    .prepare(
      `SELECT q.rank, q.image_id AS imageId, q.reason, q.score,
              EXISTS (SELECT 1 FROM annotations a JOIN labels l ON l.id = a.label_id WHERE a.image_id = q.image_id AND l.label_set_id = ?) AS labelled
       FROM annotation_queue_items q WHERE q.queue_id = ? ORDER BY q.rank`,
    )
    .all(labelSetId, q.id) as { rank: number; imageId: number; reason: string; score: number | null; labelled: number }[];
  return { ...q, items: items.map((i) => ({ ...i, labelled: i.labelled === 1 })) };
}

/**
 * A queue chosen by hand (e.g. a box selected on the embedding map): the images in the order
 * given, each with the same reason, as the newest queue of the label set. Unknown or unusable
 * image ids are refused as a whole.
 */
export function createManualQueue(db: SqliteDatabase, input: { labelSetId: number; imageIds: readonly number[]; reason: string }): { id: number; items: number } {
  const ids = [...new Set(input.imageIds)];
  if (ids.length === 0) throw new Error('A queue needs at least one image.');
  if (!db.prepare('SELECT 1 FROM label_sets WHERE id = ?').get(input.labelSetId)) throw new Error(`No label set ${input.labelSetId}.`);
  const known = db.prepare("SELECT count(*) FROM images WHERE status = 'ok' AND id IN (SELECT value FROM json_each(?))").pluck().get(JSON.stringify(ids)) as number;
  if (known !== ids.length) throw new Error(`${ids.length - known} of the ${ids.length} images are not usable images of this project.`);
  return db.transaction(() => {
    const id = Number(
      db
        .prepare("INSERT INTO annotation_queues (label_set_id, strategy, params_json, source_run_id, created_at) VALUES (?, 'manual', ?, NULL, ?)")
        .run(input.labelSetId, JSON.stringify({ reason: input.reason, images: ids.length }), new Date().toISOString()).lastInsertRowid,
    );
    const insert = db.prepare('INSERT INTO annotation_queue_items (queue_id, rank, image_id, reason, score) VALUES (?, ?, ?, ?, NULL)');
    ids.forEach((imageId, i) => insert.run(id, i + 1, imageId, input.reason));
    return { id, items: ids.length };
  })();
}
