/**
 * A folder of images plus a CSV that maps file paths to labels. The CSV needs a path column
 * (`path`, `file`, `filename`, `image`), may name `patient`, `eye`, `visit` and `slice`, and
 * gives labels either as 0/1 columns (multi-label: blank = unknown) or as one `label`/`class`
 * column of class names (single-label). Rows whose file is missing and files without a row are
 * reported; unlabelled files are still imported (they serve self-supervised pretraining).
 */
import path from 'node:path';
import { emptyPlanReport, type ImportPlan } from '../import-plan.js';
import type { EntryMeta, Eye, LabelValue, SourceEntry } from '../source-entry.js';
import { findColumn, normaliseColumnName, openTable, parseBinaryCell, parseNumberCell, TableError, type TableRow } from '../tabular/index.js';
import { isImageFile } from './file-types.js';
import { walkFiles } from './walk.js';

const PATH_COLUMNS = ['path', 'file', 'filename', 'file_path', 'image', 'image_path'];
const META_COLUMNS = {
  patient: ['patient', 'patient_id', 'patientid'],
  eye: ['eye', 'laterality'],
  visit: ['visit', 'week'],
  slice: ['slice', 'slice_index', 'scan'],
} as const;
const CLASS_COLUMNS = ['label', 'class', 'category'];

function firstColumn(header: readonly string[], names: readonly string[]): string | undefined {
  return names.map((name) => findColumn(header, name)).find((c) => c !== undefined);
}

function parseEye(value: string | undefined): Eye | undefined {
  const text = (value ?? '').trim().toUpperCase();
  if (text === 'OD' || text === 'R' || text === 'RIGHT') return 'OD';
  if (text === 'OS' || text === 'L' || text === 'LEFT') return 'OS';
  return undefined;
}

/** Path as written in the CSV → path relative to the root, with forward slashes. */
function relativeKey(written: string, root: string): string {
  let p = written.trim().replaceAll('\\', '/');
  if (path.isAbsolute(p)) {
    const rel = path.relative(root, p).replaceAll('\\', '/');
    if (!rel.startsWith('..')) p = rel;
  }
  return p.replace(/^\.?\/+/, '');
}

const stemKey = (relPath: string): string => relPath.replace(/\.[^./]+$/, '').toLowerCase();

export async function planFolderCsvImport(root: string, csvFile: string): Promise<ImportPlan> {
  const report = emptyPlanReport();
  const table = await openTable(csvFile);
  const pathColumn = firstColumn(table.header, PATH_COLUMNS);
  if (!pathColumn) {
    await table.close();
    throw new TableError(`${csvFile}: wrong columns. Missing a path column (one of ${PATH_COLUMNS.map((c) => `"${c}"`).join(', ')}). The file's columns are: ${table.header.map((h) => `"${h}"`).join(', ')}.`, csvFile);
  }
  const meta = Object.fromEntries(Object.entries(META_COLUMNS).map(([key, names]) => [key, firstColumn(table.header, names)])) as Record<keyof typeof META_COLUMNS, string | undefined>;
  const classColumn = firstColumn(table.header, CLASS_COLUMNS);
  const rows: TableRow[] = [];
  for await (const row of table.rows) rows.push(row);

  // Label columns: everything that is not path/metadata/class and holds only 0, 1 or blank.
  const reserved = new Set([pathColumn, classColumn, ...Object.values(meta)].filter(Boolean).map((c) => normaliseColumnName(c as string)));
  const binaryColumns: string[] = [];
  for (const column of table.header) {
    if (reserved.has(normaliseColumnName(column))) continue;
    const isBinary = rows.every(({ row }) => /^\s*([01](\.0*)?)?\s*$/.test(row[column] ?? ''));
    if (isBinary) binaryColumns.push(column);
    else report.warnings.push(`Column "${column}" of ${path.basename(csvFile)} is not 0/1/blank and was ignored.`);
  }
  const classes = classColumn ? [...new Set(rows.map(({ row }) => (row[classColumn] ?? '').trim()).filter(Boolean))].sort() : [];
  const singleLabel = classColumn !== undefined && classes.length > 0;
  if (singleLabel && binaryColumns.length > 0) {
    report.warnings.push(`${path.basename(csvFile)} has a "${classColumn}" column; its 0/1 columns (${binaryColumns.join(', ')}) were ignored.`);
  }

  const files = new Map<string, string>();
  const byStem = new Map<string, string>();
  for await (const file of walkFiles(root)) {
    if (!isImageFile(file.relPath)) {
      if (path.resolve(file.absPath) !== path.resolve(csvFile)) report.skipped.push({ relPath: file.relPath, reason: 'not a PNG, TIFF or JPEG image' });
      continue;
    }
    files.set(file.relPath, file.relPath);
    byStem.set(stemKey(file.relPath), file.relPath);
  }

  const metaByFile = new Map<string, EntryMeta>();
  for (const { line, row } of rows) {
    const written = row[pathColumn] ?? '';
    const key = relativeKey(written, root);
    const relPath = files.get(key) ?? byStem.get(stemKey(key));
    if (!relPath) {
      report.rowsWithoutImage.push({ path: written, file: csvFile, line });
      continue;
    }
    const place = (column: string) => ({ file: csvFile, line, column });
    const entry: EntryMeta = {};
    if (meta.patient && row[meta.patient]?.trim()) entry.patient = (row[meta.patient] as string).trim();
    const eye = meta.eye ? parseEye(row[meta.eye]) : undefined;
    if (eye) entry.eye = eye;
    if (meta.visit && row[meta.visit]?.trim()) entry.visit = (row[meta.visit] as string).trim();
    const slice = meta.slice ? parseNumberCell(row[meta.slice], place(meta.slice)) : undefined;
    if (slice !== undefined) entry.sliceIndex = slice;
    const labels: Record<string, LabelValue> = {};
    if (singleLabel && classColumn) {
      const cls = (row[classColumn] ?? '').trim();
      if (cls) for (const c of classes) labels[c] = c === cls ? 'present' : 'absent';
    } else {
      for (const column of binaryColumns) {
        const value = parseBinaryCell(row[column], place(column));
        if (value !== undefined) labels[column] = value ? 'present' : 'absent';
      }
    }
    entry.labels = labels;
    metaByFile.set(relPath, entry);
  }

  const entries: SourceEntry[] = [...files.keys()].map((relPath) => ({ relPath, format: 'image', meta: metaByFile.get(relPath) ?? {} }));
  report.imagesWithoutLabels = entries.length - metaByFile.size;
  const name = path.basename(csvFile).replace(/\.[^.]+$/, '');
  const labelNames = singleLabel ? classes : binaryColumns;
  return {
    source: { kind: 'folder_csv', root, label: `Folder ${path.basename(path.resolve(root))} + ${path.basename(csvFile)}`, options: { labels: csvFile } },
    entries,
    labelSet: labelNames.length ? { name, kind: singleLabel ? 'single_label' : 'multi_label', labels: labelNames } : null,
    annotator: labelNames.length ? `Label file ${path.basename(csvFile)}` : null,
    ...report,
  };
}
