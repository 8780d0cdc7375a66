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
 * counts is the one training will use (the `effective_annotations` view, migration 3).
 */
export function labelSetStats(db: SqliteDatabase): LabelSetStats[] {
  const images = db.prepare("SELECT count(*) FROM images WHERE status = 'ok'").pluck().get() as number;
  const sets = db.prepare('SELECT id, name, kind FROM label_sets ORDER BY id').all() as Omit<LabelSetStats, 'labels'>[];
  const counts = db.prepare(
    `SELECT l.id, l.name,
            count(CASE WHEN e.value = 'present' THEN 1 END) AS positive,
            count(CASE WHEN e.value = 'absent' THEN 1 END) AS negative,
            count(CASE WHEN e.value = 'uncertain' THEN 1 END) AS uncertain
     FROM labels l LEFT JOIN effective_annotations e ON e.label_id = l.id
     WHERE l.label_set_id = ?
     GROUP BY l.id ORDER BY l.position`,
  );
  return sets.map((set) => ({
    ...set,
    labels: (counts.all(set.id) as Omit<LabelCounts, 'unknown'>[]).map((c) => ({
      ...c,
      unknown: Math.max(0, images - c.positive - c.negative - c.uncertain),
    })),
  }));
}
