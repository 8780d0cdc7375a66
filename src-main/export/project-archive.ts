/**
 * A project archive another researcher can open: one .zip holding a consistent copy of
 * `project.sqlite` (SQLite's online backup, never the live WAL file), `reports/`, optionally
 * `checkpoints/`, and a README.txt. `cache/` and `thumbs/` are rebuilt from the images and
 * stay out; so do the source images themselves (the database keeps their paths and content
 * hashes, so the project relinks them once they are in place).
 */
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import archiver from 'archiver';
import { APP_NAME, APP_VERSION } from '../app/version.js';
import { PROJECT_DB_FILE, type Project } from '../project/project.js';
import { exportPath, exportResult, type ExportResult } from './export-files.js';

export interface ArchiveOptions {
  /** Include checkpoints/ (trained weights; often the largest part). */
  withCheckpoints?: boolean;
  out?: string;
}

export interface ArchiveResult extends ExportResult {
  /** The top-level entries in the archive. */
  entries: string[];
  images: number;
}

export function archiveReadme(project: Project, options: { withCheckpoints: boolean; images: number; imageRoots: string[] }): string {
  const meta = project.meta;
  return [
    `${meta.name} — an ${APP_NAME} project archive`,
    `Written by ${APP_NAME} ${APP_VERSION} on ${new Date().toISOString()}.`,
    '',
    'What is inside',
    `  ${PROJECT_DB_FILE}   everything recorded: images (paths and content hashes), label sets, labels,`,
    '                   splits, runs, metrics, evaluations and predictions.',
    '  reports/         the reports written so far.',
    options.withCheckpoints ? '  checkpoints/     the trained weights of the runs.' : '  (checkpoints/ left out: the runs’ weights are not included; their results are.)',
    '',
    `The source images are NOT included (${options.images} images). The project keeps their paths and`,
    'content hashes. Their folders when the archive was written:',
    ...options.imageRoots.slice(0, 20).map((r) => `  ${r}`),
    ...(options.imageRoots.length > 20 ? [`  … and ${options.imageRoots.length - 20} more`] : []),
    '',
    'To open it',
    '  1. Unpack the archive; it makes one folder.',
    `  2. Open that folder in ${APP_NAME} (Projects → Open a project folder), or on the command line:`,
    '       octdino status --project FOLDER',
    '  3. Runs, metrics, reports and labels are there at once. To look at or train on the images,',
    '     put the folders above at the same paths. Images are stored relative to their import folder,',
    '     so a folder that now lives elsewhere is relinked by changing its one root path, e.g.:',
    `       sqlite3 ${PROJECT_DB_FILE} "UPDATE sources SET root_path = '/new/place' WHERE root_path = '/old/place'"`,
    '     (the content hashes let you check that the files are the same).',
    '  cache/ and thumbs/ are rebuilt when they are needed.',
    '',
  ].join('\n');
}

/** The folders the project's images were imported from (each import source's root). */
function imageRoots(project: Project): string[] {
  return project.db.prepare('SELECT DISTINCT root_path FROM sources ORDER BY root_path').pluck().all() as string[];
}

export async function exportProjectArchive(project: Project, options: ArchiveOptions = {}): Promise<ArchiveResult> {
  const withCheckpoints = options.withCheckpoints === true;
  const out = path.resolve(options.out ?? exportPath(project.dir, `${slug(project.meta.name)}-archive`, '.zip'));
  await mkdir(path.dirname(out), { recursive: true });
  const temp = await mkdtemp(path.join(os.tmpdir(), 'octdino-archive-'));
  try {
    // SQLite's online backup: a consistent copy even while the app writes (WAL included).
    const dbCopy = path.join(temp, PROJECT_DB_FILE);
    await project.db.backup(dbCopy);
    const images = project.db.prepare('SELECT COUNT(*) FROM images').pluck().get() as number;
    const root = slug(path.basename(project.dir)) || 'project';
    const entries: string[] = [PROJECT_DB_FILE, 'README.txt'];
    const zip = archiver('zip', { zlib: { level: 6 } });
    const done = new Promise<void>((resolve, reject) => {
      const stream = createWriteStream(out);
      stream.on('close', () => resolve());
      stream.on('error', reject);
      zip.on('error', reject);
      zip.on('warning', reject);
      zip.pipe(stream);
    });
    zip.file(dbCopy, { name: `${root}/${PROJECT_DB_FILE}` });
    zip.append(archiveReadme(project, { withCheckpoints, images, imageRoots: imageRoots(project) }), { name: `${root}/README.txt` });
    for (const folder of withCheckpoints ? ['reports', 'checkpoints'] : ['reports']) {
      const dir = path.join(project.dir, folder);
      if (!existsSync(dir)) continue;
      // The folder's entry even when it is empty, so the unpacked project looks like the original.
      zip.append('', { name: `${root}/${folder}/` });
      zip.directory(dir, `${root}/${folder}`);
      entries.push(`${folder}/`);
    }
    await zip.finalize();
    await done;
    const result = await exportResult(project.dir, out, `project archive (${entries.join(', ')}; ${(await stat(out)).size} bytes; source images not included)`);
    return { ...result, entries, images };
  } catch (err) {
    await rm(out, { force: true });
    throw err;
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

function slug(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 60);
}
