import { TableError } from './table-error.js';

/** One data row: its line in the file (the sheet row number for XLSX) and its cells by column. */
export interface TableRow {
  line: number;
  row: Record<string, string>;
}

/**
 * An open label table. `header` is the header row as the file spells it (trimmed); rows stream
 * one at a time, so a 78k-row clinical file never sits in memory as a whole. Iterating `rows`
 * to the end (or breaking out of the loop) releases the file; call `close()` when you stop
 * before iterating at all.
 */
export interface Table {
  file: string;
  header: string[];
  headerLine: number;
  rows: AsyncIterable<TableRow>;
  close(): Promise<void>;
}

/**
 * The header cells as row keys: trimmed; an empty header cell gets a placeholder name (spreadsheets
 * leave those after the last real column); a name that appears twice is an error, since the
 * second would silently hide the first.
 */
export function headerNames(cells: readonly string[], file: string, line: number): string[] {
  const header = cells.map((cell, index) => {
    const name = cell.replace(/^\uFEFF/, '').trim();
    return name === '' ? `(column ${index + 1})` : name;
  });
  const seen = new Map<string, number>();
  header.forEach((name, index) => {
    const key = name.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) {
      throw new TableError(`${file}, line ${line}: the column "${name}" appears twice (columns ${first + 1} and ${index + 1}).`, file, line);
    }
    seen.set(key, index);
  });
  return header;
}

/** Cells to a record keyed by header; a row longer than the header with data in the extra cells is an error. */
export function toRecord(header: readonly string[], cells: readonly string[], file: string, line: number): Record<string, string> {
  if (cells.length > header.length && cells.slice(header.length).some((cell) => cell.trim() !== '')) {
    throw new TableError(
      `${file}, line ${line}: the row has ${cells.length} cells but the header has ${header.length} columns (a ragged row: check for an unquoted comma or a missing column).`,
      file,
      line,
    );
  }
  const row: Record<string, string> = {};
  header.forEach((name, index) => {
    row[name] = cells[index] ?? '';
  });
  return row;
}
