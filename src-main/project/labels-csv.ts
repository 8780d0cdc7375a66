/**
 * Labels in and out as a table, one row per image:
 * `image_id,path,patient,eye,visit,slice,<one column per label>` with `1` present, `0` absent,
 * `uncertain`, and blank for unknown (never labelled) — so uncertain and unknown stay distinct.
 *
 * Import reads the same format, and OLIVES-style files (`Path (Trial/Arm/Folder/Visit/Eye/Image
 * Name)`, `Scan (n/49)`, 0/1/0.0/1.0/blank, clinical columns ignored). Rows find their image by
 * `image_id` when the column is there, else by path: the full path, or the longest tail of path
 * segments that names exactly one image (extensions ignored: a row may say `.tif` where the
 * project holds the `.png`). Every label is written in one transaction; a bad cell stops the
 * import before anything is written and names the row and column.
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { openTable, TableError, describePlace } from '../import/tabular/index.js';
import { BIOMARKER_PATH_COLUMN, SCAN_COLUMN } from '../import/olives/labels.js';
import { AnnotationError, AnnotationsRepository, type AnnotationValue, type LabelSetDefinition } from './annotations.js';
import { csvField } from './csv-field.js';
import type { SqliteDatabase } from './database.js';

export const LABEL_TABLE_COLUMNS = ['image_id', 'path', 'patient', 'eye', 'visit', 'slice'] as const;
/** Columns that are about the image, not labels (ours and OLIVES'). */
const NON_LABEL_COLUMNS = new Set(['image_id', 'path', 'patient', 'eye', 'visit', 'slice', BIOMARKER_PATH_COLUMN, SCAN_COLUMN, 'eye_id', 'bcva', 'cst', 'patient_id', 'file_path'].map((c) => c.toLowerCase()));
const PATH_COLUMNS = ['path', BIOMARKER_PATH_COLUMN, 'file_path'].map((c) => c.toLowerCase());

const CELL: Record<AnnotationValue, string> = { present: '1', absent: '0', uncertain: 'uncertain' };

/** Writes the table; the effective labels unless `annotatorId` asks for one annotator's. */
export async function exportLabelsCsv(db: SqliteDatabase, opts: { labelSetId: number; annotatorId?: number; file: string }): Promise<{ rows: number; labels: number }> {
  const set = new AnnotationsRepository(db).labelSet(opts.labelSetId);
  await mkdir(path.dirname(path.resolve(opts.file)), { recursive: true });
  const out = createWriteStream(opts.file, { encoding: 'utf8' });
  out.write(`${[...LABEL_TABLE_COLUMNS, ...set.labels.map((l) => l.name)].map(csvField).join(',')}\n`);
  const images = db.prepare(
    `SELECT i.id, s.root_path AS root, i.rel_path AS rel, i.frame_index AS frame, p.code AS patient, i.eye, i.visit, i.slice_index AS slice
     FROM images i JOIN sources s ON s.id = i.source_id LEFT JOIN patients p ON p.id = i.patient_id
     WHERE i.status = 'ok' ORDER BY i.id`,
  );
  const values =
    opts.annotatorId === undefined
      ? db.prepare('SELECT e.label_id AS labelId, e.value FROM effective_annotations e JOIN labels l ON l.id = e.label_id WHERE e.image_id = ? AND l.label_set_id = ?')
      : db.prepare('SELECT a.label_id AS labelId, a.value FROM annotations a JOIN labels l ON l.id = a.label_id WHERE a.image_id = ? AND l.label_set_id = ? AND a.annotator_id = ?');
  let rows = 0;
  for (const im of images.iterate() as Iterable<{ id: number; root: string; rel: string; frame: number; patient: string | null; eye: string | null; visit: string | null; slice: number | null }>) {
    const args: number[] = opts.annotatorId === undefined ? [im.id, set.id] : [im.id, set.id, opts.annotatorId];
    const byLabel = new Map((values.all(...args) as { labelId: number; value: AnnotationValue }[]).map((v) => [v.labelId, v.value]));
    const file = path.join(im.root, im.rel) + (im.frame > 0 ? `#${im.frame}` : '');
    const cells = [im.id, file, im.patient, im.eye, im.visit, im.slice, ...set.labels.map((l) => (byLabel.has(l.id) ? CELL[byLabel.get(l.id)!] : null))];
    if (!out.write(`${cells.map(csvField).join(',')}\n`)) await once(out, 'drain');
    rows++;
  }
  out.end();
  await once(out, 'finish');
  return { rows, labels: set.labels.length };
}

export interface LabelsImportResult {
  labelSet: string;
  createdLabelSet: boolean;
  annotator: string;
  rows: number;
  matchedRows: number;
  values: number;
  unmatched: { line: number; path: string; reason: string }[];
}

/** One label cell: 1/0 (also 1.0/0.0, true/false, yes/no, present/absent), uncertain (U, ?), blank = unknown. */
export function parseLabelCell(text: string, place: { file: string; line: number; column: string }): AnnotationValue | null {
  const t = text.trim().toLowerCase();
  if (t === '') return null;
  if (/^1(\.0*)?$/.test(t) || t === 'true' || t === 'yes' || t === 'present') return 'present';
  if (/^0(\.0*)?$/.test(t) || t === 'false' || t === 'no' || t === 'absent') return 'absent';
  if (t === 'uncertain' || t === 'u' || t === '?') return 'uncertain';
  throw new TableError(`${describePlace(place)}: expected 1, 0, uncertain or blank, found "${text.trim()}".`, place.file, place.line, place.column);
}

/** Path → comparable segments: lowercase, `/` separators, no extension, no frame suffix. */
function segments(p: string): string[] {
  const clean = p.replace(/#\d+$/, '').replaceAll('\\', '/').toLowerCase();
  const parts = clean.split('/').filter((s) => s !== '' && s !== '.');
  const last = parts.pop() ?? '';
  return [...parts, last.replace(/\.[a-z0-9]+$/, '')];
}

class ImageMatcher {
  private readonly byName = new Map<string, { id: number; segs: string[] }[]>();
  private readonly ids: Set<number>;

  constructor(db: SqliteDatabase) {
    const rows = db.prepare("SELECT i.id, s.root_path AS root, i.rel_path AS rel, i.frame_index AS frame FROM images i JOIN sources s ON s.id = i.source_id WHERE i.status = 'ok'").all() as { id: number; root: string; rel: string; frame: number }[];
    this.ids = new Set(rows.map((r) => r.id));
    for (const r of rows) {
      const segs = segments(path.join(r.root, r.rel));
      const key = `${segs.at(-1)}#${r.frame}`;
      const list = this.byName.get(key) ?? [];
      list.push({ id: r.id, segs });
      this.byName.set(key, list);
    }
  }

  hasId(id: number): boolean {
    return this.ids.has(id);
  }

  /**
   * The image whose path shares the longest tail of segments with the row's path (at least the
   * file name, extension aside), when exactly one image has that longest tail; else why not.
   */
  match(rowPath: string): number | string {
    const frame = /#(\d+)$/.exec(rowPath)?.[1] ?? '0';
    const segs = segments(rowPath);
    const tail = (c: string[]): number => {
      let k = 0;
      while (k < Math.min(c.length, segs.length) && c[c.length - 1 - k] === segs[segs.length - 1 - k]) k++;
      return k;
    };
    const scored = (this.byName.get(`${segs.at(-1)}#${frame}`) ?? []).map((c) => ({ id: c.id, k: tail(c.segs) }));
    if (scored.length === 0) return 'no image in the project has this file name';
    const best = Math.max(...scored.map((c) => c.k));
    const top = scored.filter((c) => c.k === best);
    return top.length === 1 ? top[0]!.id : `${top.length} images match this path equally well; give more of it (or an image_id column)`;
  }
}

export async function importLabelsCsv(
  db: SqliteDatabase,
  opts: { file: string; labelSet?: string; annotator?: string; human?: boolean; kind?: 'multi_label' | 'single_label' },
): Promise<LabelsImportResult> {
  const table = await openTable(opts.file);
  const header = table.header;
  const lower = header.map((h) => h.toLowerCase());
  const idColumn = header[lower.indexOf('image_id')];
  const pathColumn = header[lower.findIndex((h) => PATH_COLUMNS.includes(h))];
  if (idColumn === undefined && pathColumn === undefined) {
    await table.close();
    throw new TableError(`${opts.file}: no image_id or path column (found ${header.map((h) => `"${h}"`).join(', ')}).`, opts.file, table.headerLine);
  }
  const labelColumns = header.filter((h) => !NON_LABEL_COLUMNS.has(h.toLowerCase()) && !/^\(column \d+\)$/.test(h));
  if (labelColumns.length === 0) {
    await table.close();
    throw new TableError(`${opts.file}: no label columns besides ${[...LABEL_TABLE_COLUMNS].join(', ')}.`, opts.file, table.headerLine);
  }
  const repo = new AnnotationsRepository(db);
  const setName = opts.labelSet ?? path.basename(opts.file).replace(/\.[^.]+$/, '');
  let set: LabelSetDefinition | undefined = repo.labelSets().find((s) => s.name === setName);
  const matcher = new ImageMatcher(db);
  // Read and check every cell before writing anything.
  const writes: { imageId: number; column: string; value: AnnotationValue }[] = [];
  const unmatched: LabelsImportResult['unmatched'] = [];
  let rows = 0;
  let matchedRows = 0;
  for await (const { line, row } of table.rows) {
    rows++;
    let imageId: number | string;
    const idText = idColumn !== undefined ? (row[idColumn] ?? '').trim() : '';
    if (idText !== '') {
      const id = Number(idText);
      imageId = Number.isSafeInteger(id) && matcher.hasId(id) ? id : `no image ${idText} in this project`;
    } else if (pathColumn !== undefined && (row[pathColumn] ?? '').trim() !== '') {
      imageId = matcher.match((row[pathColumn] ?? '').trim());
    } else imageId = 'the row names no image';
    const cells = labelColumns.map((column) => ({ column, value: parseLabelCell(row[column] ?? '', { file: opts.file, line, column }) }));
    if (typeof imageId === 'string') {
      if (unmatched.length < 200) unmatched.push({ line, path: pathColumn !== undefined ? (row[pathColumn] ?? '') : idText, reason: imageId });
      continue;
    }
    matchedRows++;
    for (const c of cells) if (c.value !== null) writes.push({ imageId, column: c.column, value: c.value });
  }
  if (set) {
    const known = new Set(set.labels.map((l) => l.name.toLowerCase()));
    const extra = labelColumns.filter((c) => !known.has(c.toLowerCase()));
    if (extra.length > 0) throw new AnnotationError(`"${set.name}" has no label${extra.length > 1 ? 's' : ''} ${extra.map((c) => `"${c}"`).join(', ')}; add ${extra.length > 1 ? 'them' : 'it'} to the label set first, or import into a new label set (--label-set NAME).`);
  }
  const createdLabelSet = !set;
  const annotatorName = opts.annotator ?? `labels file ${path.basename(opts.file)}`;
  const result = db.transaction(() => {
    set ??= repo.createLabelSet({ name: setName, kind: opts.kind ?? 'multi_label', labels: labelColumns });
    const labelIds = new Map(set.labels.map((l) => [l.name.toLowerCase(), l.id]));
    db.prepare('INSERT INTO annotators (name, kind, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING').run(annotatorName, opts.human ? 'human' : 'import', new Date().toISOString());
    const annotator = db.prepare('SELECT id, kind FROM annotators WHERE name = ?').get(annotatorName) as { id: number; kind: string };
    if (annotator.kind !== (opts.human ? 'human' : 'import')) throw new AnnotationError(`"${annotatorName}" is a ${annotator.kind} annotator already; choose another --annotator name.`);
    const source = opts.human ? 'human' : 'import';
    const upsert = db.prepare(
      `INSERT INTO annotations (image_id, label_id, annotator_id, value, source, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (image_id, label_id, annotator_id) DO UPDATE SET value = excluded.value, source = excluded.source, updated_at = excluded.updated_at`,
    );
    const time = new Date().toISOString();
    for (const w of writes) upsert.run(w.imageId, labelIds.get(w.column.toLowerCase()), annotator.id, w.value, source, time, time);
    return { labelSet: set.name };
  })();
  return { ...result, createdLabelSet, annotator: annotatorName, rows, matchedRows, values: writes.length, unmatched };
}
