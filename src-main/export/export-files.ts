/**
 * Where exports go and how they are described: every file the Reports view (or the API) writes
 * lands in the project's `exports/` folder (reports in `reports/`), under a dated name, and comes
 * back as its absolute path, its path relative to the project (what the web host serves) and
 * its size.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** The project folders whose files can be downloaded in web mode. */
export const DOWNLOAD_FOLDERS = ['reports', 'exports'] as const;
export type DownloadFolder = (typeof DOWNLOAD_FOLDERS)[number];

/** What a bad export request gets: the reason, in words a user can act on. */
export class ExportError extends Error {
  override readonly name = 'ExportError';
  constructor(
    readonly code: 'not_found' | 'invalid',
    message: string,
  ) {
    super(message);
  }
}

export interface ExportedFile {
  /** Absolute path on the machine that runs the core. */
  path: string;
  /** Path inside the project folder with forward slashes, e.g. `exports/predictions-run-3-….csv`. */
  relative: string;
  bytes: number;
}

export interface ExportResult {
  /** What was written: the file, or the folder (a classifier). */
  path: string;
  /** The files written, for download links. */
  files: ExportedFile[];
  /** Total size in bytes. */
  bytes: number;
  /** One line about what is in it. */
  summary: string;
}

/** `20260101-120000` from a date, for file names that sort by time. */
export function stamp(now = new Date()): string {
  return now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/** A dated path in the project's exports/ folder, e.g. exports/predictions-run-3-20260101-120000.csv. */
export function exportPath(projectDir: string, base: string, ext: string, now = new Date()): string {
  return path.join(projectDir, 'exports', `${base}-${stamp(now)}${ext}`);
}

/** Describes files already written (a file, or every file of a folder, one level deep). */
export async function describeFiles(projectDir: string, target: string): Promise<ExportedFile[]> {
  const info = await stat(target);
  const files = info.isDirectory() ? (await readdir(target)).sort().map((name) => path.join(target, name)) : [target];
  const out: ExportedFile[] = [];
  for (const file of files) {
    const s = await stat(file);
    if (!s.isFile()) continue;
    out.push({ path: file, relative: relativeInProject(projectDir, file), bytes: s.size });
  }
  return out;
}

export async function exportResult(projectDir: string, target: string, summary: string): Promise<ExportResult> {
  const files = await describeFiles(projectDir, target);
  return { path: target, files, bytes: files.reduce((sum, f) => sum + f.bytes, 0), summary };
}

function relativeInProject(projectDir: string, file: string): string {
  const rel = path.relative(projectDir, file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? '' : rel.split(path.sep).join('/');
}

export interface ListedFile extends ExportedFile {
  folder: DownloadFolder;
  modified: string;
}

/** The files (and classifier folders' files) already in reports/ and exports/, newest first. */
export async function listExports(projectDir: string): Promise<ListedFile[]> {
  const out: ListedFile[] = [];
  for (const folder of DOWNLOAD_FOLDERS) {
    const root = path.join(projectDir, folder);
    const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const full = path.join(root, entry.name);
      const files = entry.isDirectory() ? await describeFiles(projectDir, full) : entry.isFile() ? await describeFiles(projectDir, full) : [];
      for (const f of files) out.push({ ...f, folder, modified: (await stat(f.path)).mtime.toISOString() });
    }
  }
  return out.sort((a, b) => b.modified.localeCompare(a.modified) || a.relative.localeCompare(b.relative));
}

/**
 * The file a download URL names, or null: only `reports/<name>`, `exports/<name>` or
 * `exports/<folder>/<name>`, each part plain (letters, digits, `.`, `_`, `-`, no leading dot), so
 * no `..`, no absolute paths and no hidden files. The caller still checks that it is a regular
 * file whose real path stays inside the folder (a symbolic link must not lead out).
 */
export function downloadTarget(projectDir: string, relative: string): string | null {
  const parts = relative.split('/');
  const [folder, ...rest] = parts;
  if (!(DOWNLOAD_FOLDERS as readonly string[]).includes(folder ?? '')) return null;
  if (rest.length < 1 || rest.length > (folder === 'exports' ? 2 : 1)) return null;
  if (!rest.every((p) => /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/.test(p))) return null;
  return path.join(projectDir, folder!, ...rest);
}
