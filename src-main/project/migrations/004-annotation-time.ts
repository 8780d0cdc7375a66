import type { Migration } from './types.js';

/**
 * Time spent labelling, per image, annotator and label set (the Annotate view adds the seconds
 * an image was on screen when it moves on). Kept apart from the annotations: one image's time
 * covers all its labels, and summing it over annotation rows would count it once per label.
 */
export const annotationTime: Migration = {
  version: 4,
  name: 'annotation time',
  up(db) {
    db.exec(`
      CREATE TABLE annotation_time (
        image_id     INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
        annotator_id INTEGER NOT NULL REFERENCES annotators (id) ON DELETE CASCADE,
        label_set_id INTEGER NOT NULL REFERENCES label_sets (id) ON DELETE CASCADE,
        seconds      REAL NOT NULL CHECK (seconds >= 0),
        updated_at   TEXT NOT NULL,
        PRIMARY KEY (image_id, annotator_id, label_set_id)
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
