import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ProjectError } from '../../../src-main/project/errors.js';
import { assertMigrationsOrdered, migrate, schemaVersion } from '../../../src-main/project/migrate.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../../src-main/project/migrations/index.js';

function freshDb(): Database.Database {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  return db;
}

const tableNames = (db: Database.Database): string[] =>
  db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all() as string[];

describe('migrations', () => {
  it('are numbered 1, 2, 3, ... in order', () => {
    expect(() => assertMigrationsOrdered(MIGRATIONS)).not.toThrow();
    expect(() => assertMigrationsOrdered([{ version: 2, name: 'gap', up: () => {} }])).toThrow(/expected 1/);
  });

  it.each(MIGRATIONS.map((m) => [m.version, m.name, m] as const))('migration %i (%s) applies on a fresh database', (version, _name, _m) => {
    const db = freshDb();
    const result = migrate(db, MIGRATIONS.slice(0, version));
    expect(result).toMatchObject({ from: 0, to: version });
    expect(schemaVersion(db)).toBe(version);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('the schema has every table features need, all STRICT', () => {
    const db = freshDb();
    migrate(db, MIGRATIONS);
    const expected = [
      'annotation_queue_items', 'annotation_queues', 'annotation_time', 'annotations', 'annotators', 'checkpoints', 'clinical_values', 'evaluations', 'images', 'jobs', 'label_sets',
      'labels', 'metrics', 'patients', 'predictions', 'project_meta', 'runs', 'sources', 'split_assignments', 'splits', 'volumes',
    ];
    expect(tableNames(db)).toEqual(expected);
    for (const table of expected) {
      const sql = db.prepare('SELECT sql FROM sqlite_schema WHERE name = ?').pluck().get(table) as string;
      expect(sql, table).toMatch(/\)\s*STRICT/);
    }
  });

  it('v4 keeps labelling time per image, annotator and label set, never negative', () => {
    const db = freshDb();
    migrate(db, MIGRATIONS);
    const now = new Date().toISOString();
    db.prepare("INSERT INTO sources (kind, root_path, label, created_at) VALUES ('folder', '/x', 'x', ?)").run(now);
    db.prepare("INSERT INTO images (source_id, rel_path, imported_at) VALUES (1, 'a.png', ?)").run(now);
    db.prepare("INSERT INTO annotators (name, kind, created_at) VALUES ('A', 'human', ?)").run(now);
    db.prepare("INSERT INTO label_sets (name, kind, created_at) VALUES ('S', 'multi_label', ?)").run(now);
    db.prepare('INSERT INTO annotation_time (image_id, annotator_id, label_set_id, seconds, updated_at) VALUES (1, 1, 1, 2.5, ?)').run(now);
    expect(() => db.prepare('INSERT INTO annotation_time (image_id, annotator_id, label_set_id, seconds, updated_at) VALUES (1, 1, 1, 1, ?)').run(now)).toThrow(/UNIQUE/);
    db.prepare("INSERT INTO label_sets (name, kind, created_at) VALUES ('T', 'multi_label', ?)").run(now);
    expect(() => db.prepare('INSERT INTO annotation_time (image_id, annotator_id, label_set_id, seconds, updated_at) VALUES (1, 1, 2, -1, ?)').run(now)).toThrow(/CHECK constraint failed/);
    db.prepare('DELETE FROM images').run();
    expect(db.prepare('SELECT count(*) FROM annotation_time').pluck().get()).toBe(0);
  });

  it('STRICT tables reject values of the wrong type and CHECKs reject bad enums', () => {
    const db = freshDb();
    migrate(db, MIGRATIONS);
    const now = new Date().toISOString();
    db.prepare("INSERT INTO sources (kind, root_path, label, created_at) VALUES ('folder', '/x', 'x', ?)").run(now);
    expect(() =>
      db.prepare("INSERT INTO images (source_id, rel_path, width, imported_at) VALUES (1, 'a.png', 'wide', ?)").run(now),
    ).toThrow(/cannot store TEXT value in INTEGER column/);
    expect(() =>
      db.prepare("INSERT INTO images (source_id, rel_path, eye, imported_at) VALUES (1, 'a.png', 'LEFT', ?)").run(now),
    ).toThrow(/CHECK constraint failed/);
  });

  it('foreign keys cascade from a source to its images', () => {
    const db = freshDb();
    migrate(db, MIGRATIONS);
    const now = new Date().toISOString();
    db.prepare("INSERT INTO sources (kind, root_path, label, created_at) VALUES ('folder', '/x', 'x', ?)").run(now);
    db.prepare("INSERT INTO images (source_id, rel_path, imported_at) VALUES (1, 'a.png', ?)").run(now);
    db.prepare('DELETE FROM sources WHERE id = 1').run();
    expect(db.prepare('SELECT count(*) FROM images').pluck().get()).toBe(0);
  });

  it('is a no-op on an up-to-date database', () => {
    const db = freshDb();
    migrate(db, MIGRATIONS);
    expect(migrate(db, MIGRATIONS)).toEqual({ from: LATEST_SCHEMA_VERSION, to: LATEST_SCHEMA_VERSION, applied: [] });
  });

  it('refuses a database from a newer app version, leaving it untouched', () => {
    const db = freshDb();
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    let error: unknown;
    try {
      migrate(db, MIGRATIONS);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ProjectError);
    expect((error as ProjectError).code).toBe('newer_schema');
    expect((error as ProjectError).message).toMatch(/newer version of OCT DINO Studio/);
    expect(tableNames(db)).toEqual([]);
  });

  it('rolls back every step when one fails: no half-migrated schema', () => {
    const db = freshDb();
    const broken = [...MIGRATIONS, { version: MIGRATIONS.length + 1, name: 'broken', up: (d: Database.Database) => d.exec('CREATE TABLE oops (') }];
    expect(() => migrate(db, broken)).toThrow();
    expect(schemaVersion(db)).toBe(0);
    expect(tableNames(db)).toEqual([]);
  });

  it('v2 adds the display window to images, keeping existing rows', () => {
    const db = freshDb();
    migrate(db, MIGRATIONS.slice(0, 1));
    const now = new Date().toISOString();
    db.prepare("INSERT INTO sources (kind, root_path, label, created_at) VALUES ('dicom', '/d', 'd', ?)").run(now);
    db.prepare("INSERT INTO images (source_id, rel_path, bit_depth, imported_at) VALUES (1, 'a.dcm', 16, ?)").run(now);
    migrate(db, MIGRATIONS.slice(0, 2));
    expect(db.prepare('SELECT rel_path, window_low, window_high FROM images').get()).toEqual({ rel_path: 'a.dcm', window_low: null, window_high: null });
  });

  it('v3 picks the label that counts: adjudicated, else human, else imported, newest first', () => {
    const db = freshDb();
    migrate(db, MIGRATIONS);
    const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
    db.prepare("INSERT INTO sources (kind, root_path, label, created_at) VALUES ('folder', '/x', 'x', ?)").run(t(0));
    db.prepare("INSERT INTO images (source_id, rel_path, imported_at) VALUES (1, 'a.png', ?), (1, 'b.png', ?)").run(t(0), t(0));
    db.prepare("INSERT INTO label_sets (name, kind, created_at) VALUES ('s', 'multi_label', ?)").run(t(0));
    db.prepare("INSERT INTO labels (label_set_id, name, position) VALUES (1, 'IRF', 0)").run();
    db.prepare("INSERT INTO annotators (name, kind, created_at) VALUES ('csv', 'import', ?), ('ann', 'human', ?), ('bob', 'human', ?), ('rev', 'human', ?)").run(t(0), t(0), t(0), t(0));
    const add = db.prepare('INSERT INTO annotations (image_id, label_id, annotator_id, value, source, created_at, updated_at) VALUES (?, 1, ?, ?, ?, ?, ?)');
    add.run(1, 1, 'absent', 'import', t(1), t(1));
    add.run(1, 2, 'present', 'human', t(2), t(2));
    add.run(1, 3, 'uncertain', 'human', t(3), t(3)); // newer human label wins over the older one
    add.run(2, 1, 'present', 'import', t(1), t(1));
    add.run(2, 2, 'absent', 'human', t(5), t(5));
    add.run(2, 4, 'present', 'adjudication', t(4), t(4)); // adjudication wins although older
    const rows = db.prepare('SELECT image_id AS image, value, source FROM effective_annotations ORDER BY image_id').all();
    expect(rows).toEqual([
      { image: 1, value: 'uncertain', source: 'human' },
      { image: 2, value: 'present', source: 'adjudication' },
    ]);
  });

  it('looks images up by content hash and patient through their indexes', () => {
    const db = freshDb();
    migrate(db, MIGRATIONS);
    const plan = (sql: string): string =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join(' | ');
    expect(plan("SELECT id FROM images WHERE content_hash = 'x'")).toMatch(/USING (COVERING )?INDEX images_content_hash/);
    expect(plan('SELECT id FROM images WHERE patient_id = 3')).toMatch(/USING (COVERING )?INDEX images_patient/);
    expect(plan("SELECT value FROM annotations WHERE image_id = 1 AND label_id = 2")).toMatch(/INDEX annotations_identity/);
    expect(plan("SELECT value FROM metrics WHERE run_id = 1 AND name = 'loss' ORDER BY step")).toMatch(/PRIMARY KEY|USING PRIMARY/);
  });
});
