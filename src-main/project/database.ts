import Database from 'better-sqlite3';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { ProjectError } from './errors.js';
import { migrate } from './migrate.js';
import { MIGRATIONS } from './migrations/index.js';

export type { SqliteDatabase };

/**
 * The Electron build of better-sqlite3 has a different ABI from the Node build the CLI and
 * tests use. The desktop shell points this variable at its Electron-ABI copy
 * (`npm run rebuild:electron`); everywhere else the package's own binary is used.
 */
function nativeBinding(): string | undefined {
  return process.env.OCTDINO_SQLITE_BINDING || undefined;
}

export interface OpenDatabaseOptions {
  /** Create the file if it is missing (only `project init` does this). */
  create: boolean;
}

/** Opens (and migrates) a project database: WAL, foreign keys on, a busy timeout for workers. */
export function openDatabase(file: string, options: OpenDatabaseOptions): SqliteDatabase {
  let db: SqliteDatabase;
  try {
    const binding = nativeBinding();
    db = new Database(file, { fileMustExist: !options.create, ...(binding ? { nativeBinding: binding } : {}) });
  } catch (err) {
    throw new ProjectError('not_a_project', `Cannot open ${file}: ${(err as Error).message}`);
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    // Jobs write from worker processes while the API reads: wait for a lock instead of failing.
    db.pragma('busy_timeout = 5000');
    db.pragma('synchronous = NORMAL');
    migrate(db, MIGRATIONS);
    return db;
  } catch (err) {
    db.close();
    if (err instanceof ProjectError) throw err;
    const message = (err as Error).message;
    if (/file is not a database|malformed/i.test(message)) {
      throw new ProjectError('corrupt_database', `${file} is not a readable SQLite database (${message}). Restore it from a backup.`);
    }
    throw err;
  }
}
