import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const recentSchema = z.array(z.object({ dir: z.string(), name: z.string(), openedAt: z.string() }));
export type RecentProject = z.infer<typeof recentSchema>[number] & { exists: boolean };

const MAX_RECENT = 20;

/**
 * The list of recently opened projects, kept in the app's home folder. A damaged file is
 * treated as empty (it is a convenience list; the projects themselves are untouched).
 */
export class RecentProjects {
  private readonly file: string;

  constructor(appHome: string) {
    this.file = path.join(appHome, 'recent-projects.json');
  }

  list(): RecentProject[] {
    return this.read().map((entry) => ({ ...entry, exists: existsSync(path.join(entry.dir, 'project.sqlite')) }));
  }

  touch(dir: string, name: string): void {
    const entries = this.read().filter((entry) => entry.dir !== dir);
    entries.unshift({ dir, name, openedAt: new Date().toISOString() });
    this.write(entries.slice(0, MAX_RECENT));
  }

  forget(dir: string): void {
    this.write(this.read().filter((entry) => entry.dir !== dir));
  }

  private read(): z.infer<typeof recentSchema> {
    try {
      return recentSchema.parse(JSON.parse(readFileSync(this.file, 'utf8')));
    } catch {
      return [];
    }
  }

  private write(entries: z.infer<typeof recentSchema>): void {
    mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(entries, null, 2));
    renameSync(tmp, this.file);
  }
}
