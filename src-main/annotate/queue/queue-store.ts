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
