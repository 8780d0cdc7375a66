/**
 * Walks an OLIVES folder and recognises its B-scans (see `olives-path.ts` for the layout). The
 * user may point at the folder holding `Prime_FULL/` and `TREX DME/`, at any folder above it, or
 * at `Prime_FULL` itself: paths are read from the trial folder on, whatever lies above it.
 * Streams one folder at a time (`fs.opendir`), never listing the 78k-file tree at once.
 */
import type { Dirent } from 'node:fs';
import { opendir } from 'node:fs/promises';
import path from 'node:path';
import type { SkippedFile, SourceEntry } from '../source-entry.js';
import { locateOlivesPath, pathSegments, type OlivesLocation, type OlivesTrial } from './olives-path.js';

export interface OlivesImage {
  entry: SourceEntry;
  location: OlivesLocation;
}

export interface OlivesTree {
  images: OlivesImage[];
  skipped: SkippedFile[];
  /** The trial folders that hold at least one B-scan. */
  trials: Set<OlivesTrial>;
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'variant' });

/** Folders archives leave behind that hold no data: skipped whole, with one line in the report. */
const JUNK_FOLDERS: Record<string, string> = {
  __MACOSX: 'macOS archive metadata folder, not data',
  $RECYCLE_BIN: 'Windows recycle bin',
};

/**
 * Every B-scan under `root`, in a stable order: folders and files sorted naturally, so slice
 * `10.tif` follows `9.tif` and week `W12` follows `W4`. Everything else is skipped with a reason
 * (fundus photographs, `.npy` arrays, files outside the layout); hidden files are ignored.
 */
export async function walkOlivesTree(root: string): Promise<OlivesTree> {
  const absoluteRoot = path.resolve(root);
  // Folders above the root take part in locating the trial folder: the user may have chosen
  // `…/Prime_FULL` itself, or `…/TREX DME/GILA`.
  const rootSegments = pathSegments(absoluteRoot);
  const images: OlivesImage[] = [];
  const skipped: SkippedFile[] = [];
  const trials = new Set<OlivesTrial>();

  // Depth-first with an explicit stack (no recursion limit, one open folder at a time).
  const stack: { dir: string; rel: string[] }[] = [{ dir: absoluteRoot, rel: [] }];
  while (stack.length > 0) {
    const { dir, rel } = stack.pop() as { dir: string; rel: string[] };
    const children: Dirent[] = [];
    for await (const child of await opendir(dir, { bufferSize: 256 })) {
      if (!child.name.startsWith('.')) children.push(child);
    }
    children.sort((a, b) => collator.compare(a.name, b.name));
    const subfolders: { dir: string; rel: string[] }[] = [];
    for (const child of children) {
      const relSegments = [...rel, child.name];
      const relPath = relSegments.join('/');
      if (child.isDirectory()) {
        const junk = JUNK_FOLDERS[child.name];
        if (junk) skipped.push({ relPath: `${relPath}/`, reason: junk });
        else subfolders.push({ dir: path.join(dir, child.name), rel: relSegments });
      } else if (child.isSymbolicLink()) {
        skipped.push({ relPath, reason: 'symbolic link, not followed' });
      } else if (child.isFile()) {
        const result = locateOlivesPath([...rootSegments, ...relSegments]);
        if (!result.ok) {
          skipped.push({ relPath, reason: result.reason });
          continue;
        }
        const { location } = result;
        trials.add(location.trial);
        images.push({
          entry: {
            relPath,
            format: 'image',
            meta: { patient: location.patient, eye: location.eye, visit: location.visit, sliceIndex: location.sliceIndex },
          },
          location,
        });
      }
    }
    for (let index = subfolders.length - 1; index >= 0; index--) stack.push(subfolders[index] as { dir: string; rel: string[] });
  }
  return { images, skipped, trials };
}
