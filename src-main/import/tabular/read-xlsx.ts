import ExcelJS from 'exceljs';
import { headerNames, toRecord, type Table, type TableRow } from './table.js';
import { TableError } from './table-error.js';

/**
 * One cell as the text a CSV export of it would hold: numbers as stored (`61`, `0.5`), a
 * formula by its cached result, rich text and hyperlinks by their text, booleans as Excel shows
 * them, dates as ISO dates, error cells by their code (`#N/A`, which later parsing rejects or
 * treats as missing), empty as ''.
 */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) {
    const iso = value.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
  }
  if (typeof value === 'object') {
    const cell = value as Record<string, unknown>;
    if ('result' in cell) return cellText(cell.result);
    if ('formula' in cell || 'sharedFormula' in cell) return '';
    if (Array.isArray(cell.richText)) return cell.richText.map((run: { text?: unknown }) => String(run.text ?? '')).join('');
    if ('text' in cell) return cellText(cell.text);
    if ('error' in cell) return String(cell.error);
  }
  return String(value);
}

/** exceljs rows hold values 1-based, sparse where a cell is empty. */
function rowCells(values: unknown): string[] {
  if (!Array.isArray(values)) return [];
  const cells: string[] = [];
  for (let column = 1; column < values.length; column++) cells.push(cellText(values[column]));
  while (cells.length > 0 && cells[cells.length - 1]?.trim() === '') cells.pop();
  return cells;
}

interface SheetRow {
  number: number;
  values: unknown;
}

/**
 * Streams the first worksheet of an XLSX workbook with exceljs's streaming reader, so the
 * 78k-row `Clinical_Data_Images.xlsx` is read row by row rather than loaded whole. The header
 * is the first non-empty row; empty rows are skipped; line numbers are sheet row numbers.
 */
export async function openXlsxTable(file: string): Promise<Table> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(file, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  const sheets = reader[Symbol.asyncIterator]();
  let sheetRows: AsyncIterator<SheetRow>;
  let header: string[] | undefined;
  let headerLine = 0;
  const fail = (error: unknown): TableError =>
    error instanceof TableError
      ? error
      : new TableError(`${file}: not a readable XLSX workbook (${error instanceof Error ? error.message : String(error)}).`, file);
  const stop = async (): Promise<void> => {
    await sheets.return?.(undefined).catch(() => undefined);
  };
  try {
    const firstSheet = await sheets.next();
    if (firstSheet.done) throw new TableError(`${file}: the workbook has no worksheet.`, file);
    sheetRows = firstSheet.value[Symbol.asyncIterator]() as AsyncIterator<SheetRow>;
    for (;;) {
      const next = await sheetRows.next();
      if (next.done) break;
      const cells = rowCells(next.value.values);
      if (cells.length === 0) continue;
      headerLine = next.value.number;
      header = headerNames(cells, file, headerLine);
      break;
    }
  } catch (error) {
    await stop();
    throw fail(error);
  }
  if (header === undefined) {
    await stop();
    throw new TableError(`${file}: the first worksheet is empty (no header row).`, file);
  }
  const columns = header;

  async function* rows(): AsyncGenerator<TableRow> {
    try {
      for (;;) {
        let next: IteratorResult<SheetRow>;
        try {
          next = await sheetRows.next();
        } catch (error) {
          throw fail(error);
        }
        if (next.done) return;
        const cells = rowCells(next.value.values);
        if (cells.length === 0) continue;
        yield { line: next.value.number, row: toRecord(columns, cells, file, next.value.number) };
      }
    } finally {
      await stop();
    }
  }

  return { file, header: columns, headerLine, rows: rows(), close: stop };
}
