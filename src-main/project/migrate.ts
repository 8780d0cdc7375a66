import type { Database } from 'better-sqlite3';
import { ProjectError } from './errors.js';
import type { Migration } from './migrations/index.js';

export interface MigrationResult {
  from: number;
  to: number;
  applied: string[];
}

/** Throws unless versions are 1, 2, 3, ... in order: a gap or a duplicate is a programming error. */
export function assertMigrationsOrdered(migrations: readonly Migration[]): void {
  migrations.forEach((migration, i) => {
    if (migration.version !== i + 1) {
      throw new Error(`Migration "${migration.name}" has version ${migration.version}, expected ${i + 1}`);
    }
  });
}

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the database up to the newest schema in one synchronous transaction that also sets
 * `PRAGMA user_version`, so a crash mid-way leaves the old schema intact. A database written
 * by a newer app version is refused rather than guessed at.
 */
export function migrate(db: Database, migrations: readonly Migration[]): MigrationResult {
  assertMigrationsOrdered(migrations);
  const latest = migrations.at(-1)?.version ?? 0;
  const from = schemaVersion(db);
  if (from > latest) {
    throw new ProjectError(
      'newer_schema',
      `This project was saved by a newer version of OCT DINO Studio (schema ${from}; this version reads up to ${latest}). Update the app to open it.`,
    );
  }
  const pending = migrations.filter((m) => m.version > from);
  if (pending.length === 0) return { from, to: from, applied: [] };
  db.transaction(() => {
    for (const migration of pending) migration.up(db);
    // PRAGMA cannot take bound parameters; the value is an integer we produced.
    db.pragma(`user_version = ${latest}`);
  })();
  return { from, to: latest, applied: pending.map((m) => m.name) };
}
