/**
 * Image folders: a flat folder of B-scans (unlabelled), or one subfolder per class (a
 * single-label task, Imagenette-style). `auto` picks classes when the images all sit one level
 * down in two or more subfolders, and flat otherwise.
 */
import path from 'node:path';
import { emptyPlanReport, type ImportPlan } from '../import-plan.js';
import type { SourceEntry } from '../source-entry.js';
import { isImageFile } from './file-types.js';
import { walkFiles } from './walk.js';

export type FolderLayout = 'auto' | 'flat' | 'classes';

export async function planFolderImport(root: string, layout: FolderLayout = 'auto'): Promise<ImportPlan> {
  const report = emptyPlanReport();
  const images: string[] = [];
  for await (const file of walkFiles(root)) {
    if (isImageFile(file.relPath)) images.push(file.relPath);
    else report.skipped.push({ relPath: file.relPath, reason: 'not a PNG, TIFF or JPEG image' });
  }
  const classOf = (relPath: string): string | null => {
    const parts = relPath.split('/');
    return parts.length === 2 ? (parts[0] ?? null) : null;
  };
  const classes = [...new Set(images.map(classOf).filter((c): c is string => c !== null))].sort();
  const looksLikeClasses = images.length > 0 && images.every((p) => classOf(p) !== null) && classes.length >= 2;
  const useClasses = layout === 'classes' || (layout === 'auto' && looksLikeClasses);
  const name = path.basename(path.resolve(root));

  if (!useClasses) {
    return {
      source: { kind: 'folder', root, label: `Folder ${name}`, options: { layout: 'flat' } },
      entries: images.map((relPath) => ({ relPath, format: 'image', meta: {} })),
      labelSet: null,
      annotator: null,
      ...report,
    };
  }

  const entries: SourceEntry[] = [];
  for (const relPath of images) {
    const cls = classOf(relPath);
    if (cls === null) {
      report.skipped.push({ relPath, reason: 'not inside a class folder (expected <class>/<image>)' });
      continue;
    }
    const labels = Object.fromEntries(classes.map((c) => [c, c === cls ? ('present' as const) : ('absent' as const)]));
    entries.push({ relPath, format: 'image', meta: { labels } });
  }
  return {
    source: { kind: 'folder_classes', root, label: `Class folders ${name}`, options: { layout: 'classes' } },
    entries,
    labelSet: { name: `${name} classes`, kind: 'single_label', labels: classes },
    annotator: `Folder names (${name})`,
    ...report,
  };
}
