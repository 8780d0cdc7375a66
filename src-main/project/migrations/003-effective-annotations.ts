import type { Migration } from './types.js';

/**
 * The label that counts for each (image, label), when several annotators labelled it: an
 * adjudicated label, else a human's, else an imported one, else a model's; the most recent
 * within a kind. One view, so label statistics, training and exports all agree on it.
 */
export const effectiveAnnotations: Migration = {
  version: 3,
  name: 'effective annotations view',
  up(db) {
    db.exec(`
      CREATE VIEW effective_annotations AS
      SELECT image_id, label_id, value, source, annotator_id
      FROM (
        SELECT a.image_id, a.label_id, a.value, a.source, a.annotator_id,
               row_number() OVER (
                 PARTITION BY a.image_id, a.label_id
                 ORDER BY CASE a.source WHEN 'adjudication' THEN 0 WHEN 'human' THEN 1 WHEN 'import' THEN 2 ELSE 3 END,
                          a.updated_at DESC, a.id DESC
               ) AS rank
        FROM annotations a
      )
      WHERE rank = 1;
    `);
  },
};
