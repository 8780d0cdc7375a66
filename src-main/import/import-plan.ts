import type { SourceKind } from './registry.js';
import type { MissingImage, SkippedFile, SourceEntry, SourceLabelSet } from './source-entry.js';

/**
 * Everything a source found, before any pixel is read: the files to import with what is known
 * about them, and what it saw but will not import. The import pipeline runs a plan; the
 * summary of what was skipped or missing goes back to the user with the result.
 */
export interface ImportPlan {
  source: { kind: SourceKind; root: string; label: string; options?: object };
  entries: SourceEntry[];
  labelSet: SourceLabelSet | null;
  /** Who the labels come from (an annotator of kind 'import'), e.g. the label file's name. */
  annotator: string | null;
  skipped: SkippedFile[];
  rowsWithoutImage: MissingImage[];
  /** Images found on disk that no label row mentions (imported unlabelled). */
  imagesWithoutLabels: number;
  warnings: string[];
}

export function emptyPlanReport(): Pick<ImportPlan, 'skipped' | 'rowsWithoutImage' | 'imagesWithoutLabels' | 'warnings'> {
  return { skipped: [], rowsWithoutImage: [], imagesWithoutLabels: 0, warnings: [] };
}
