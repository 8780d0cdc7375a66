import Database from 'better-sqlite3';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProjectError } from '../../../src-main/project/errors.js';
import { LATEST_SCHEMA_VERSION } from '../../../src-main/project/migrations/index.js';
import { PROJECT_SUBDIRS, Project } from '../../../src-main/project/project.js';
import { summarizeProject } from '../../../src-main/project/summary.js';
import { makeTempDir } from '../../fixtures/temp-dir.js';

function errorOf(fn: () => unknown): ProjectError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProjectError) return err;
    throw err;
  }
  throw new Error('expected a ProjectError');
}

describe('project folder', () => {
  let temp: ReturnType<typeof makeTempDir>;
  beforeEach(() => (temp = makeTempDir()));
  afterEach(() => temp.cleanup());

  it('creates project.sqlite (WAL, migrated) and the derived-data folders', () => {
    const dir = path.join(temp.dir, 'study');
    const project = Project.create(dir, 'My study');
    try {
      expect(existsSync(path.join(dir, 'project.sqlite'))).toBe(true);
      for (const sub of PROJECT_SUBDIRS) expect(existsSync(path.join(dir, sub))).toBe(true);
      expect(project.db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(project.db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(project.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
      expect(project.meta.name).toBe('My study');
      expect(project.meta.id).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      project.close();
    }
  });

  it('reopens with the same identity and empty counts, recreating deleted cache folders', () => {
    const dir = path.join(temp.dir, 'study');
    const created = Project.create(dir);
    const id = created.meta.id;
    created.close();
    const reopened = Project.open(dir);
    try {
      expect(reopened.meta.id).toBe(id);
      expect(reopened.meta.name).toBe('study');
      expect(summarizeProject(reopened).counts).toMatchObject({ images: 0, patients: 0, runs: 0 });
    } finally {
      reopened.close();
    }
  });

  it('refuses to create a project over an existing one, or in a missing parent folder', () => {
    const dir = path.join(temp.dir, 'study');
    Project.create(dir).close();
    expect(errorOf(() => Project.create(dir)).code).toBe('already_a_project');
    expect(errorOf(() => Project.create(path.join(temp.dir, 'no', 'such', 'place'))).code).toBe('not_found');
  });

  it('says clearly when a folder is not a project, or a path is a file', () => {
    expect(errorOf(() => Project.open(temp.dir)).message).toMatch(/not an OCT DINO Studio project.*octdino init/);
    expect(errorOf(() => Project.open(path.join(temp.dir, 'missing'))).code).toBe('not_found');
    const file = path.join(temp.dir, 'file.txt');
    writeFileSync(file, 'x');
    expect(errorOf(() => Project.open(file)).code).toBe('not_a_directory');
  });

  it('refuses a project saved by a newer app version and does not modify it', () => {
    const dir = path.join(temp.dir, 'future');
    Project.create(dir).close();
    const raw = new Database(path.join(dir, 'project.sqlite'));
    raw.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 5}`);
    raw.close();
    const error = errorOf(() => Project.open(dir));
    expect(error.code).toBe('newer_schema');
    expect(error.message).toMatch(/newer version/);
    const after = new Database(path.join(dir, 'project.sqlite'));
    expect(after.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION + 5);
    after.close();
  });

  it('reports a damaged database file instead of crashing', () => {
    const dir = path.join(temp.dir, 'broken');
    Project.create(dir).close();
    writeFileSync(path.join(dir, 'project.sqlite'), 'this is not sqlite at all, just some text '.repeat(200));
    for (const suffix of ['-wal', '-shm']) if (existsSync(path.join(dir, `project.sqlite${suffix}`))) writeFileSync(path.join(dir, `project.sqlite${suffix}`), '');
    const error = errorOf(() => Project.open(dir));
    expect(['corrupt_database', 'not_a_project']).toContain(error.code);
    expect(error.message).toMatch(/not a (readable SQLite )?database/i);
  });
});
