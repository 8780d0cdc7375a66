/**
 * Reading label tables (CSV and XLSX) robustly: one row at a time, with line numbers, tolerant
 * header matching and cell parsers whose errors name the file, line and column.
 */
import path from 'node:path';
import { openCsvTable } from './read-csv.js';
import { openXlsxTable } from './read-xlsx.js';
import type { Table, TableRow } from './table.js';
import { TableError } from './table-error.js';

export { parseBinaryCell, parseNumberCell } from './cells.js';
export { findColumn, normaliseColumnName, requireColumns, type ColumnSpec } from './columns.js';
export { cellText } from './read-xlsx.js';
export type { Table, TableRow } from './table.js';
export { describePlace, TableError, type CellPlace } from './table-error.js';

/** Opens a CSV (also `.tsv`/`.txt`; the delimiter is sniffed) or XLSX table by its extension. */
export async function openTable(file: string): Promise<Table> {
  const extension = path.extname(file).toLowerCase();
  if (extension === '.xlsx' || extension === '.xlsm') return openXlsxTable(file);
  if (extension === '.csv' || extension === '.tsv' || extension === '.txt') return openCsvTable(file);
  if (extension === '.xls') throw new TableError(`${file}: old-style .xls workbooks are not supported; save it as .xlsx or CSV.`, file);
  throw new TableError(`${file}: not a label table (expected .csv or .xlsx).`, file);
}

/** Every data row of a table, with its line number; the file is closed when the loop ends. */
export async function* readTable(file: string): AsyncGenerator<TableRow> {
  const table = await openTable(file);
  yield* table.rows;
}
