/**
 * Predictions as CSV, one row per image and label:
 * `image_id,path,patient,split,label,truth,probability` (+ `arm,run_id` when several runs go in
 * one file). `truth` is 1 / 0, or empty where the label is unknown; `path` is the image's file
 * (source root + relative path, the frame appended as `#N` for multi-frame DICOM).
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { csvField } from '../../project/csv-field.js';
import type { SqliteDatabase } from '../../project/database.js';

export const PREDICTION_COLUMNS = ['image_id', 'path', 'patient', 'split', 'label', 'truth', 'probability'] as const;

export { csvField };

export async function writePredictionsCsv(db: SqliteDatabase, evaluationIds: readonly number[], file: string, opts: { withRun?: boolean } = {}): Promise<number> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const out = createWriteStream(file, { encoding: 'utf8' });
  const header = [...PREDICTION_COLUMNS, ...(opts.withRun ? ['arm', 'run_id'] : [])];
  out.write(`${header.join(',')}\n`);
  const rows = db.prepare(
    `SELECT p.image_id AS imageId, s.root_path AS root, i.rel_path AS relPath, i.frame_index AS frame, pt.code AS patient,
            sa.subset AS subset, l.name AS label,
            CASE WHEN e.value IS NULL AND ls.kind = 'single_label' AND EXISTS (
                   SELECT 1 FROM effective_annotations o JOIN labels ol ON ol.id = o.label_id
                   WHERE o.image_id = p.image_id AND ol.label_set_id = ls.id AND o.value = 'present')
                 THEN 'absent' ELSE e.value END AS value,
            p.score AS score, ev.method AS method, ev.run_id AS runId
     FROM predictions p
     JOIN evaluations ev ON ev.id = p.evaluation_id
     JOIN images i ON i.id = p.image_id
     JOIN sources s ON s.id = i.source_id
     JOIN labels l ON l.id = p.label_id
     JOIN label_sets ls ON ls.id = l.label_set_id
     LEFT JOIN patients pt ON pt.id = i.patient_id
     LEFT JOIN split_assignments sa ON sa.split_id = ev.split_id AND sa.patient_id = i.patient_id
     LEFT JOIN effective_annotations e ON e.image_id = p.image_id AND e.label_id = p.label_id
     WHERE p.evaluation_id = ?
     ORDER BY p.image_id, l.position`,
  );
  let count = 0;
  for (const id of evaluationIds) {
    for (const r of rows.iterate(id) as Iterable<{ imageId: number; root: string; relPath: string; frame: number; patient: string | null; subset: string | null; label: string; value: string | null; score: number; method: string; runId: number }>) {
      const file_ = path.join(r.root, r.relPath) + (r.frame > 0 ? `#${r.frame}` : '');
      const truth = r.value === 'present' ? 1 : r.value === 'absent' ? 0 : null;
      const fields: (string | number | null)[] = [r.imageId, file_, r.patient, r.subset, r.label, truth, r.score, ...(opts.withRun ? [r.method, r.runId] : [])];
      if (!out.write(`${fields.map(csvField).join(',')}\n`)) await once(out, 'drain');
      count++;
    }
  }
  out.end();
  await once(out, 'finish');
  return count;
}
