import type { Migration } from './types.js';

/**
 * "What to label next": a queue per computation (label set, strategy, settings), its images in
 * rank order, each with the reason it was chosen. The Annotate view follows the newest queue of
 * its label set; older queues stay for the record of how labels were spent.
 */
export const annotationQueues: Migration = {
  version: 5,
  name: 'annotation queues',
  up(db) {
    db.exec(`
      CREATE TABLE annotation_queues (
        id            INTEGER PRIMARY KEY,
        label_set_id  INTEGER NOT NULL REFERENCES label_sets (id) ON DELETE CASCADE,
        strategy      TEXT NOT NULL,
        params_json   TEXT NOT NULL,
        source_run_id INTEGER REFERENCES runs (id) ON DELETE SET NULL,
        created_at    TEXT NOT NULL
      ) STRICT;
      CREATE INDEX annotation_queues_set ON annotation_queues (label_set_id, id);
      CREATE TABLE annotation_queue_items (
        queue_id INTEGER NOT NULL REFERENCES annotation_queues (id) ON DELETE CASCADE,
        rank     INTEGER NOT NULL,
        image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
        reason   TEXT NOT NULL,
        score    REAL,
        PRIMARY KEY (queue_id, rank)
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
