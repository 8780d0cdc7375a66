/**
 * The OLIVES label files. `Biomarker_Clinical_Data_Images.csv`: path, `Scan (n/49)`, one 0/1
 * column per biomarker, then `Eye_ID, BCVA, CST, Patient_ID` (9,408 rows). The biomarker columns
 * are read from the header (every column between the scan column and the first of the trailing
 * clinical/ID columns), so the 20-biomarker files of the official splits read as well as the
 * public 16-biomarker one. `Clinical_Data_Images.xlsx` (or a CSV export of it): `File_Path,
 * BCVA, CST, Eye_ID, Patient_ID`, ~78k rows, streamed.
 */
import type { LabelValue } from '../source-entry.js';
import {
  normaliseColumnName,
  openTable,
  parseBinaryCell,
  parseNumberCell,
  requireColumns,
  TableError,
  type ColumnSpec,
  type Table,
  type TableRow,
} from '../tabular/index.js';

export const BIOMARKER_PATH_COLUMN = 'Path (Trial/Arm/Folder/Visit/Eye/Image Name)';
export const SCAN_COLUMN = 'Scan (n/49)';
const PATH_COLUMNS: ColumnSpec = [BIOMARKER_PATH_COLUMN, 'File_Path', 'Path'];
/** Columns after the biomarkers (and never biomarkers themselves). */
const TRAILING_COLUMNS = new Set(['eye_id', 'bcva', 'cst', 'patient_id']);
export const CLINICAL_COLUMNS = ['BCVA', 'CST'] as const;

export interface LabelRow {
  /** The path exactly as the file writes it. */
  path: string;
  line: number;
  /** `Scan (n/49)`: slice index + 1, when the file has the column. */
  scan?: number;
  /** Biomarker name -> value; a blank cell leaves the name out (unknown, not absent). */
  labels: Record<string, LabelValue>;
  clinical: Record<string, number>;
  patientId?: string;
}

export interface BiomarkerTable {
  file: string;
  /** Biomarker column names in file order. */
  biomarkers: string[];
  rows: LabelRow[];
}

/** `201.0` (a pandas float column) and `201` are the same patient. */
function idText(value: string | undefined): string | undefined {
  const text = (value ?? '').trim();
  if (text === '') return undefined;
  return /^\d+\.0*$/.test(text) ? String(Number(text)) : text;
}

function columnOf(table: Table, name: string): string | undefined {
  const wanted = normaliseColumnName(name);
  return table.header.find((column) => normaliseColumnName(column) === wanted);
}

/** BCVA/CST cells of one row, by their canonical names. */
function clinicalOf(table: Table, row: TableRow, columns: ReadonlyMap<string, string>): Record<string, number> {
  const clinical: Record<string, number> = {};
  for (const [name, column] of columns) {
    const value = parseNumberCell(row.row[column], { file: table.file, line: row.line, column });
    if (value !== undefined) clinical[name] = value;
  }
  return clinical;
}

function clinicalColumns(table: Table): Map<string, string> {
  const columns = new Map<string, string>();
  for (const name of CLINICAL_COLUMNS) {
    const column = columnOf(table, name);
    if (column !== undefined) columns.set(name, column);
  }
  return columns;
}

/** The biomarker columns: after the scan column (or the path column) up to the trailing ID/clinical columns. */
export function biomarkerColumns(header: readonly string[], pathColumn: string): string[] {
  const scanIndex = header.findIndex((column) => normaliseColumnName(column) === normaliseColumnName(SCAN_COLUMN));
  const start = (scanIndex >= 0 ? scanIndex : header.indexOf(pathColumn)) + 1;
  const columns: string[] = [];
  for (const column of header.slice(start)) {
    if (TRAILING_COLUMNS.has(normaliseColumnName(column))) break;
    if (/^\(column \d+\)$/.test(column)) continue;
    columns.push(column);
  }
  return columns;
}

/** Reads the whole biomarker table (9,408 small rows); cell errors name file, line and column. */
export async function readBiomarkerTable(file: string): Promise<BiomarkerTable> {
  const table = await openTable(file);
  let pathColumn: string;
  let biomarkers: string[];
  try {
    pathColumn = requireColumns(table.header, [PATH_COLUMNS], file)[BIOMARKER_PATH_COLUMN] as string;
    biomarkers = biomarkerColumns(table.header, pathColumn);
    if (biomarkers.length === 0) {
      throw new TableError(
        `${file}: no biomarker columns found. Expected 0/1 columns between "${SCAN_COLUMN}" and "Eye_ID"; the file's columns are: ${table.header.map((c) => `"${c}"`).join(', ')}.`,
        file,
      );
    }
  } catch (error) {
    await table.close();
    throw error;
  }
  const scanColumn = columnOf(table, SCAN_COLUMN);
  const patientColumn = columnOf(table, 'Patient_ID');
  const clinical = clinicalColumns(table);
  const rows: LabelRow[] = [];
  for await (const row of table.rows) {
    const place = (column: string) => ({ file, line: row.line, column });
    const labels: Record<string, LabelValue> = {};
    for (const biomarker of biomarkers) {
      const value = parseBinaryCell(row.row[biomarker], place(biomarker));
      if (value !== undefined) labels[biomarker] = value ? 'present' : 'absent';
    }
    const scan = scanColumn ? parseNumberCell(row.row[scanColumn], place(scanColumn)) : undefined;
    const patientId = patientColumn ? idText(row.row[patientColumn]) : undefined;
    rows.push({
      path: (row.row[pathColumn] ?? '').trim(),
      line: row.line,
      labels,
      clinical: clinicalOf(table, row, clinical),
      ...(scan !== undefined ? { scan } : {}),
      ...(patientId !== undefined ? { patientId } : {}),
    });
  }
  return { file, biomarkers, rows };
}

/**
 * Streams the clinical table (`File_Path, BCVA, CST, Eye_ID, Patient_ID`, XLSX or CSV). BCVA and
 * CST are required: a clinical file without them is the wrong file.
 */
export async function* readClinicalRows(file: string): AsyncGenerator<LabelRow> {
  const table = await openTable(file);
  let pathColumn: string;
  try {
    pathColumn = requireColumns(table.header, [['File_Path', BIOMARKER_PATH_COLUMN, 'Path'], ...CLINICAL_COLUMNS], file)['File_Path'] as string;
  } catch (error) {
    await table.close();
    throw error;
  }
  const patientColumn = columnOf(table, 'Patient_ID');
  const clinical = clinicalColumns(table);
  for await (const row of table.rows) {
    const patientId = patientColumn ? idText(row.row[patientColumn]) : undefined;
    yield {
      path: (row.row[pathColumn] ?? '').trim(),
      line: row.line,
      labels: {},
      clinical: clinicalOf(table, row, clinical),
      ...(patientId !== undefined ? { patientId } : {}),
    };
  }
}
