import type { SqliteDatabase } from './database.js';

export interface LabelCounts {
  id: number;
  name: string;
  positive: number;
  negative: number;
  uncertain: number;
  /** Images with no label at all for this label (blank in a label file, or never labelled). */
  unknown: number;
}

export interface LabelSetStats {
  id: number;
  name: string;
  kind: 'multi_label' | 'single_label';
  labels: LabelCounts[];
}

/**
 * Per-label counts of each label set. When several annotators labelled an image, the value that
 * counts is the one training will use: adjudicated, else a human's, else imported, else a
 * model's; the most recent within a kind.
 */
export function labelSetStats(db: SqliteDatabase): LabelSetStats[] {
  const images = db.prepare("SELECT count(*) FROM images WHERE status = 'ok'").pluck().get() as number;
  const sets = db.prepare('SELECT id, name, kind FROM label_sets ORDER BY id').all() as Omit<LabelSetStats, 'labels'>[];
  const counts = db.prepare(
    `WITH ranked AS (
       SELECT a.label_id, a.image_id, a.value,
              row_number() OVER (PARTITION BY a.image_id, a.label_id
                ORDER BY CASE a.source WHEN 'adjudication' THEN 0 WHEN 'human' THEN 1 WHEN 'import' THEN 2 ELSE 3 END,
                         a.updated_at DESC) AS rank
       FROM annotations a JOIN labels l ON l.id = a.label_id
       WHERE l.label_set_id = ?
     )
     SELECT l.id, l.name,
            count(CASE WHEN r.value = 'present' THEN 1 END) AS positive,
            count(CASE WHEN r.value = 'absent' THEN 1 END) AS negative,
            count(CASE WHEN r.value = 'uncertain' THEN 1 END) AS uncertain
     FROM labels l LEFT JOIN ranked r ON r.label_id = l.id AND r.rank = 1
     WHERE l.label_set_id = ?
     GROUP BY l.id ORDER BY l.position`,
  );
  return sets.map((set) => ({
    ...set,
    labels: (counts.all(set.id, set.id) as Omit<LabelCounts, 'unknown'>[]).map((c) => ({
      ...c,
      unknown: Math.max(0, images - c.positive - c.negative - c.uncertain),
    })),
  }));
}
