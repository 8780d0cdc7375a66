import type { SqliteDatabase } from './database.js';

export interface LabelCounts {
  id: number;
  name: string;
  positive: number;
  negative: number;
  uncertain: number;
  /** Images with no label at all for this label (blank in a label file, or never labelled). */
  unknown: number;
  /** Patients with at least one positive image: a patient split needs positives in train, val and test. */
  positivePatients: number;
}

export interface LabelSetStats {
  id: number;
  name: string;
  kind: 'multi_label' | 'single_label';
  labels: LabelCounts[];
  /** Patients with at least one labelled (present/absent/uncertain) image in the set, and labelled images per such patient. */
  patients: { labelled: number; imagesPerPatient: { min: number; median: number; max: number } | null };
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
            count(CASE WHEN e.value = 'uncertain' THEN 1 END) AS uncertain,
            count(DISTINCT CASE WHEN e.value = 'present' THEN i.patient_id END) AS positivePatients
     FROM labels l LEFT JOIN effective_annotations e ON e.label_id = l.id LEFT JOIN images i ON i.id = e.image_id
     WHERE l.label_set_id = ?
     GROUP BY l.id ORDER BY l.position`,
  );
  const perPatient = db.prepare(
    `SELECT count(DISTINCT e.image_id) AS n FROM effective_annotations e JOIN labels l ON l.id = e.label_id JOIN images i ON i.id = e.image_id
     WHERE l.label_set_id = ? AND i.patient_id IS NOT NULL GROUP BY i.patient_id ORDER BY n`,
  );
  return sets.map((set) => ({
    ...set,
    patients: patientSpread((perPatient.all(set.id) as { n: number }[]).map((r) => r.n)),
    labels: (counts.all(set.id) as Omit<LabelCounts, 'unknown'>[]).map((c) => ({
      ...c,
      unknown: Math.max(0, images - c.positive - c.negative - c.uncertain),
    })),
  }));
}

/** How many patients have labels, and how many labelled images each (sorted counts in). */
function patientSpread(sorted: number[]): LabelSetStats['patients'] {
  if (sorted.length === 0) return { labelled: 0, imagesPerPatient: null };
  const mid = sorted.length / 2;
  const median = sorted.length % 2 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { labelled: sorted.length, imagesPerPatient: { min: sorted[0]!, median, max: sorted.at(-1)! } };
}
