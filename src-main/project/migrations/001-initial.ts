import type { Migration } from './types.js';

/**
 * Schema v1: everything the product stores about a project.
 *
 * - Source images stay where they are: an image row points at a `source` (a root folder the
 *   user imported) by relative path plus content hash, so a moved folder is relinked by
 *   changing one `sources.root_path`.
 * - Patients, eyes and visits are first-class because every split must be by patient
 *   (neighbouring B-scans of one volume are nearly identical).
 * - Labels are per (image, label, annotator): several annotators can label the same image and
 *   the imported labels live beside the human ones. No row means "unknown", never "absent".
 * - Runs form a tree (`parent_run_id`): a pipeline owns its pretraining, probes and baseline.
 */
export const initialSchema: Migration = {
  version: 1,
  name: 'initial schema',
  up(db) {
    db.exec(`
      CREATE TABLE project_meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;

      CREATE TABLE sources (
        id           INTEGER PRIMARY KEY,
        kind         TEXT NOT NULL CHECK (kind IN ('olives', 'folder', 'folder_classes', 'folder_csv', 'dicom', 'demo')),
        root_path    TEXT NOT NULL,
        label        TEXT NOT NULL,
        options_json TEXT NOT NULL DEFAULT '{}',
        created_at   TEXT NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX sources_kind_root ON sources (kind, root_path);

      CREATE TABLE patients (
        id         INTEGER PRIMARY KEY,
        code       TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX patients_code ON patients (code);

      -- A volume is one eye at one visit: the stack of B-scans an OCT device acquired together.
      CREATE TABLE volumes (
        id                INTEGER PRIMARY KEY,
        patient_id        INTEGER NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
        eye               TEXT CHECK (eye IN ('OD', 'OS')),
        visit             TEXT,
        study_date        TEXT,
        source_id         INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
        pixel_spacing_json TEXT,
        created_at        TEXT NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX volumes_identity ON volumes (source_id, patient_id, ifnull(eye, ''), ifnull(visit, ''));

      CREATE TABLE images (
        id            INTEGER PRIMARY KEY,
        source_id     INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
        rel_path      TEXT NOT NULL,
        -- Frame number inside a multi-frame file (DICOM); 0 for single-image files.
        frame_index   INTEGER NOT NULL DEFAULT 0,
        content_hash  TEXT,
        byte_size     INTEGER,
        width         INTEGER,
        height        INTEGER,
        bit_depth     INTEGER,
        patient_id    INTEGER REFERENCES patients (id) ON DELETE SET NULL,
        eye           TEXT CHECK (eye IN ('OD', 'OS')),
        visit         TEXT,
        volume_id     INTEGER REFERENCES volumes (id) ON DELETE SET NULL,
        slice_index   INTEGER,
        status        TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'ok', 'error')),
        error         TEXT,
        cache_offset  INTEGER,
        imported_at   TEXT NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX images_location ON images (source_id, rel_path, frame_index);
      CREATE INDEX images_content_hash ON images (content_hash);
      CREATE INDEX images_patient ON images (patient_id);
      CREATE INDEX images_volume_slice ON images (volume_id, slice_index);
      CREATE INDEX images_status ON images (status);

      CREATE TABLE label_sets (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL,
        kind        TEXT NOT NULL CHECK (kind IN ('multi_label', 'single_label')),
        description TEXT NOT NULL DEFAULT '',
        created_at  TEXT NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX label_sets_name ON label_sets (name);

      CREATE TABLE labels (
        id           INTEGER PRIMARY KEY,
        label_set_id INTEGER NOT NULL REFERENCES label_sets (id) ON DELETE CASCADE,
        name         TEXT NOT NULL,
        position     INTEGER NOT NULL,
        short_name   TEXT,
        color        TEXT
      ) STRICT;
      CREATE UNIQUE INDEX labels_set_name ON labels (label_set_id, name);
      CREATE UNIQUE INDEX labels_set_position ON labels (label_set_id, position);

      CREATE TABLE annotators (
        id         INTEGER PRIMARY KEY,
        name       TEXT NOT NULL,
        kind       TEXT NOT NULL CHECK (kind IN ('human', 'import', 'model')),
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX annotators_name ON annotators (name);

      -- The current label one annotator gave one image for one label. For single-label tasks
      -- the chosen class is 'present' and the others 'absent'.
      CREATE TABLE annotations (
        id            INTEGER PRIMARY KEY,
        image_id      INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
        label_id      INTEGER NOT NULL REFERENCES labels (id) ON DELETE CASCADE,
        annotator_id  INTEGER NOT NULL REFERENCES annotators (id) ON DELETE CASCADE,
        value         TEXT NOT NULL CHECK (value IN ('present', 'absent', 'uncertain')),
        source        TEXT NOT NULL CHECK (source IN ('import', 'human', 'adjudication', 'model')),
        seconds_spent REAL,
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX annotations_identity ON annotations (image_id, label_id, annotator_id);
      CREATE INDEX annotations_label ON annotations (label_id, value);

      CREATE TABLE clinical_values (
        image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
        name     TEXT NOT NULL,
        value    REAL NOT NULL,
        unit     TEXT,
        PRIMARY KEY (image_id, name)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE splits (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL,
        strategy    TEXT NOT NULL,
        seed        INTEGER,
        config_json TEXT NOT NULL DEFAULT '{}',
        created_at  TEXT NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX splits_name ON splits (name);

      -- Splits assign whole patients, never single images.
      CREATE TABLE split_assignments (
        split_id   INTEGER NOT NULL REFERENCES splits (id) ON DELETE CASCADE,
        patient_id INTEGER NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
        subset     TEXT NOT NULL CHECK (subset IN ('train', 'val', 'test')),
        PRIMARY KEY (split_id, patient_id)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE runs (
        id            INTEGER PRIMARY KEY,
        kind          TEXT NOT NULL CHECK (kind IN ('pipeline', 'pretrain', 'linear_probe', 'finetune', 'supervised', 'knn', 'evaluate', 'sweep')),
        name          TEXT NOT NULL DEFAULT '',
        status        TEXT NOT NULL CHECK (status IN ('pending', 'running', 'paused', 'completed', 'failed', 'cancelled', 'interrupted')),
        parent_run_id INTEGER REFERENCES runs (id) ON DELETE CASCADE,
        split_id      INTEGER REFERENCES splits (id) ON DELETE SET NULL,
        label_set_id  INTEGER REFERENCES label_sets (id) ON DELETE SET NULL,
        config_json   TEXT NOT NULL,
        seed          INTEGER NOT NULL,
        engine_json   TEXT,
        data_json     TEXT,
        app_version   TEXT NOT NULL,
        error         TEXT,
        created_at    TEXT NOT NULL,
        started_at    TEXT,
        finished_at   TEXT
      ) STRICT;
      CREATE INDEX runs_parent ON runs (parent_run_id);

      -- Per-step scalars (loss, lr, teacher entropy, ...). One row per (run, name, step).
      CREATE TABLE metrics (
        run_id      INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        name        TEXT NOT NULL,
        step        INTEGER NOT NULL,
        epoch       REAL,
        value       REAL NOT NULL,
        recorded_at TEXT NOT NULL,
        PRIMARY KEY (run_id, name, step)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE checkpoints (
        id           INTEGER PRIMARY KEY,
        run_id       INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        step         INTEGER NOT NULL,
        epoch        REAL NOT NULL,
        kind         TEXT NOT NULL CHECK (kind IN ('periodic', 'best', 'final')),
        rel_path     TEXT NOT NULL,
        byte_size    INTEGER,
        metrics_json TEXT NOT NULL DEFAULT '{}',
        created_at   TEXT NOT NULL
      ) STRICT;
      CREATE INDEX checkpoints_run_step ON checkpoints (run_id, step);

      CREATE TABLE evaluations (
        id            INTEGER PRIMARY KEY,
        run_id        INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        checkpoint_id INTEGER REFERENCES checkpoints (id) ON DELETE SET NULL,
        split_id      INTEGER REFERENCES splits (id) ON DELETE SET NULL,
        subset        TEXT NOT NULL CHECK (subset IN ('train', 'val', 'test')),
        method        TEXT NOT NULL,
        metrics_json  TEXT NOT NULL,
        created_at    TEXT NOT NULL
      ) STRICT;
      CREATE INDEX evaluations_run ON evaluations (run_id);

      CREATE TABLE predictions (
        evaluation_id INTEGER NOT NULL REFERENCES evaluations (id) ON DELETE CASCADE,
        image_id      INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
        label_id      INTEGER NOT NULL REFERENCES labels (id) ON DELETE CASCADE,
        score         REAL NOT NULL,
        PRIMARY KEY (evaluation_id, image_id, label_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX predictions_image ON predictions (image_id);

      CREATE TABLE jobs (
        id            INTEGER PRIMARY KEY,
        kind          TEXT NOT NULL,
        status        TEXT NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted')),
        params_json   TEXT NOT NULL,
        run_id        INTEGER REFERENCES runs (id) ON DELETE SET NULL,
        progress      REAL NOT NULL DEFAULT 0,
        message       TEXT NOT NULL DEFAULT '',
        eta_seconds   REAL,
        result_json   TEXT,
        error_json    TEXT,
        pid           INTEGER,
        created_at    TEXT NOT NULL,
        started_at    TEXT,
        finished_at   TEXT,
        updated_at    TEXT NOT NULL
      ) STRICT;
      CREATE INDEX jobs_status ON jobs (status);
    `);
  },
};
