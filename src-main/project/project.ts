import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { APP_VERSION } from '../app/version.js';
import { openDatabase, type SqliteDatabase } from './database.js';
import { ProjectError } from './errors.js';
import { schemaVersion } from './migrate.js';

export const PROJECT_DB_FILE = 'project.sqlite';
/** Sub-folders every project has; derived data only, all of it rebuildable from the sources. */
export const PROJECT_SUBDIRS = ['cache', 'thumbs', 'checkpoints', 'reports'] as const;
export type ProjectSubdir = (typeof PROJECT_SUBDIRS)[number];

export interface ProjectMeta {
  id: string;
  name: string;
  createdAt: string;
  createdWithVersion: string;
}

/** An open project folder: its SQLite connection and its paths. Close it when done. */
export class Project {
  private constructor(
    readonly dir: string,
    readonly db: SqliteDatabase,
  ) {}

  /** Creates a new project in `dir` (made if missing; it may already hold other files). */
  static create(dir: string, name?: string): Project {
    const root = path.resolve(dir);
    const parent = path.dirname(root);
    if (!existsSync(parent)) {
      throw new ProjectError('not_found', `Cannot create a project in ${root}: the folder ${parent} does not exist.`);
    }
    if (existsSync(root) && !statSync(root).isDirectory()) {
      throw new ProjectError('not_a_directory', `${root} is a file, not a folder.`);
    }
    if (existsSync(path.join(root, PROJECT_DB_FILE))) {
      throw new ProjectError('already_a_project', `${root} is already an OCT DINO Studio project; open it instead.`);
    }
    mkdirSync(root, { recursive: true });
    for (const sub of PROJECT_SUBDIRS) mkdirSync(path.join(root, sub), { recursive: true });
    const db = openDatabase(path.join(root, PROJECT_DB_FILE), { create: true });
    const meta: ProjectMeta = {
      id: randomUUID(),
      name: name?.trim() || path.basename(root),
      createdAt: new Date().toISOString(),
      createdWithVersion: APP_VERSION,
    };
    const insert = db.prepare('INSERT INTO project_meta (key, value) VALUES (?, ?)');
    db.transaction(() => {
      for (const [key, value] of Object.entries(meta)) insert.run(key, value);
    })();
    return new Project(root, db);
  }

  /** Opens an existing project, migrating its database to this version's schema. */
  static open(dir: string): Project {
    const root = path.resolve(dir);
    if (!existsSync(root)) throw new ProjectError('not_found', `${root} does not exist.`);
    if (!statSync(root).isDirectory()) throw new ProjectError('not_a_directory', `${root} is a file, not a project folder.`);
    const file = path.join(root, PROJECT_DB_FILE);
    if (!existsSync(file)) {
      throw new ProjectError(
        'not_a_project',
        `${root} is not an OCT DINO Studio project (no ${PROJECT_DB_FILE}); create one with "octdino init ${root}".`,
      );
    }
    const db = openDatabase(file, { create: false });
    // Derived-data folders may have been deleted by hand to save space; recreate them.
    for (const sub of PROJECT_SUBDIRS) mkdirSync(path.join(root, sub), { recursive: true });
    return new Project(root, db);
  }

  /** The absolute form of a project path, as projects are identified by it. */
  static resolveDir(dir: string): string {
    return path.resolve(dir);
  }

  static isProject(dir: string): boolean {
    return existsSync(path.join(path.resolve(dir), PROJECT_DB_FILE));
  }

  path(sub: ProjectSubdir, ...parts: string[]): string {
    return path.join(this.dir, sub, ...parts);
  }

  get schemaVersion(): number {
    return schemaVersion(this.db);
  }

  get meta(): ProjectMeta {
    const rows = this.db.prepare('SELECT key, value FROM project_meta').all() as { key: string; value: string }[];
    const map = new Map(rows.map((r) => [r.key, r.value]));
    return {
      id: map.get('id') ?? '',
      name: map.get('name') ?? path.basename(this.dir),
      createdAt: map.get('createdAt') ?? '',
      createdWithVersion: map.get('createdWithVersion') ?? '',
    };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
