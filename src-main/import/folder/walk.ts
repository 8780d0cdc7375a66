import { opendir } from 'node:fs/promises';
import path from 'node:path';

export interface WalkedFile {
  /** Relative to the walk's root, with forward slashes. */
  relPath: string;
  absPath: string;
}

/**
 * Every regular file below `root`, depth first, in a stable order (names sorted per folder so
 * slice 2 comes before slice 10 and runs are reproducible). Streams one folder at a time
 * instead of listing a 78k-file tree at once; skips hidden files and symlinks (a link could
 * lead outside the folder the user chose, or in a circle).
 */
export async function* walkFiles(root: string): AsyncGenerator<WalkedFile> {
  async function* visit(dir: string, rel: string): AsyncGenerator<WalkedFile> {
    const entries: { name: string; isDir: boolean }[] = [];
    for await (const entry of await opendir(dir)) {
      if (entry.name.startsWith('.')) continue;
      if (entry.isDirectory()) entries.push({ name: entry.name, isDir: true });
      else if (entry.isFile()) entries.push({ name: entry.name, isDir: false });
    }
    entries.sort((a, b) => naturalCompare(a.name, b.name));
    for (const entry of entries) {
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      const absPath = path.join(dir, entry.name);
      if (entry.isDir) yield* visit(absPath, relPath);
      else yield { relPath, absPath };
    }
  }
  yield* visit(root, '');
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'variant' });

/** "9.tif" before "10.tif": B-scans are numbered, and their order is anatomy. */
export function naturalCompare(a: string, b: string): number {
  return collator.compare(a, b);
}
