/**
 * The import dialog's pure parts: the form → the `import` job's params, and the job's metrics and
 * result (typed `unknown`/a number map by the job API) → what the dialog shows. The types come
 * from the core's contract; the job result is still read defensively, since a job's `result` is
 * `unknown` on the wire.
 */
import type { ImportParams as CoreImportParams, ImportResult } from '../../../../../src-main/api/types.js';

export type ImportKind = 'olives' | 'folder' | 'dicom';
export type FolderLayout = 'auto' | 'flat' | 'classes';

export interface ImportForm {
  kind: ImportKind;
  root: string;
  /** Label CSV (OLIVES, folders). */
  labels: string;
  /** Clinical CSV/XLSX (OLIVES only). */
  clinical: string;
  layout: FolderLayout;
}

export type ImportParams = CoreImportParams;

export const EMPTY_IMPORT_FORM: Readonly<ImportForm> = Object.freeze({ kind: 'folder', root: '', labels: '', clinical: '', layout: 'auto' });

/** The job's params: trimmed paths, optional files only when given, fields of other kinds dropped. */
export function buildImportParams(form: ImportForm): ImportParams {
  const root = form.root.trim();
  const labels = form.labels.trim();
  const clinical = form.clinical.trim();
  switch (form.kind) {
    case 'olives':
      return { kind: 'olives', root, ...(labels ? { labels } : {}), ...(clinical ? { clinical } : {}) };
    case 'folder':
      // With a label CSV the CSV says where each image belongs: the layout does not apply.
      return labels ? { kind: 'folder', root, labels } : { kind: 'folder', root, layout: form.layout };
    case 'dicom':
      return { kind: 'dicom', root };
  }
}

export interface ImportProgress {
  files: number;
  total: number;
  added: number;
  skipped: number;
  failed: number;
  filesPerSecond: number;
}

/** The live counts of a running import; null before the first file (while it scans the folder). */
export function readImportProgress(metrics: Readonly<Record<string, number>>): ImportProgress | null {
  if (typeof metrics.total !== 'number' || typeof metrics.files !== 'number') return null;
  const n = (key: string): number => (Number.isFinite(metrics[key]) ? (metrics[key] as number) : 0);
  return { files: n('files'), total: n('total'), added: n('added'), skipped: n('skipped'), failed: n('failed'), filesPerSecond: n('filesPerSecond') };
}

export type ImportOutcome = Omit<ImportResult, 'sourceId'>;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
const str = (value: unknown): string => (typeof value === 'string' ? value : String(value ?? ''));
const list = (value: unknown): Record<string, unknown>[] => (Array.isArray(value) ? value.filter(isRecord) : []);

/** A finished import job's result, or null when the job left none (cancelled, failed early). */
export function readImportResult(result: unknown): ImportOutcome | null {
  if (!isRecord(result) || typeof result.added !== 'number') return null;
  return {
    added: num(result.added),
    skipped: num(result.skipped),
    failed: list(result.failed).map((f) => ({ path: str(f.path), reason: str(f.reason) })),
    skippedFiles: list(result.skippedFiles).map((f) => ({ relPath: str(f.relPath), reason: str(f.reason) })),
    rowsWithoutImage: list(result.rowsWithoutImage).map((r) => ({ path: str(r.path), file: str(r.file), line: num(r.line) })),
    imagesWithoutLabels: num(result.imagesWithoutLabels),
    warnings: Array.isArray(result.warnings) ? result.warnings.map(str) : [],
    seconds: num(result.seconds),
  };
}
