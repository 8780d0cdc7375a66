import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { parse } from 'csv-parse';
import { headerNames, toRecord, type Table, type TableRow } from './table.js';
import { TableError } from './table-error.js';

const SNIFF_BYTES = 64 * 1024;

/**
 * Looks at the start of the file: refuses UTF-16 (Excel's "Unicode text" export) with a
 * message that says what to do, and picks the delimiter the header line uses most (`,`, `;`
 * as European Excel writes, or tab). Counting on the header only is safe: label-table
 * headers are plain names, while data cells (paths with spaces, slashes) would mislead.
 */
async function sniff(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    const head = buffer.subarray(0, bytesRead);
    if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
      throw new TableError(`${file}: the file is UTF-16 text; save it as "CSV UTF-8" (comma-separated) and choose it again.`, file);
    }
    const text = head.toString('utf8').replace(/^\uFEFF/, '');
    const firstLine = text.split(/\r?\n/).find((line) => line.trim() !== '') ?? '';
    const counts = [',', ';', '\t'].map((delimiter) => ({ delimiter, count: firstLine.split(delimiter).length - 1 }));
    counts.sort((a, b) => b.count - a.count);
    return counts[0] && counts[0].count > 0 ? counts[0].delimiter : ',';
  } finally {
    await handle.close();
  }
}

interface ParsedRecord {
  record: string[];
  info: { lines: number };
}

/** Rewrites csv-parse's errors (unclosed quote, bad characters) to name the file. */
function csvError(file: string, error: unknown): TableError {
  if (error instanceof TableError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  const line = error && typeof error === 'object' && 'lines' in error && typeof error.lines === 'number' ? error.lines : undefined;
  return new TableError(`${file}${line !== undefined ? `, line ${line}` : ''}: not a readable CSV table (${detail}).`, file, line);
}

/**
 * Streams a CSV label table: UTF-8 with or without a byte-order mark, quoted fields (commas and
 * line breaks inside quotes), CRLF or LF line ends, blank lines and all-empty rows skipped (Excel
 * leaves `,,,,` lines at the end). The header is the first non-empty row. A row with a different
 * number of cells than the header is an error naming its line.
 */
export async function openCsvTable(file: string): Promise<Table> {
  const delimiter = await sniff(file);
  const parser = createReadStream(file).pipe(
    parse({ bom: true, delimiter, relax_column_count: true, skip_empty_lines: true, skip_records_with_empty_values: true, info: true }),
  );
  const iterator = parser[Symbol.asyncIterator]() as AsyncIterator<ParsedRecord>;
  let first: IteratorResult<ParsedRecord>;
  try {
    first = await iterator.next();
  } catch (error) {
    parser.destroy();
    throw csvError(file, error);
  }
  if (first.done) {
    parser.destroy();
    throw new TableError(`${file}: the file is empty (no header row).`, file);
  }
  const headerLine = first.value.info.lines;
  let header: string[];
  try {
    header = headerNames(first.value.record, file, headerLine);
  } catch (error) {
    parser.destroy();
    throw error;
  }

  async function* rows(): AsyncGenerator<TableRow> {
    try {
      for (;;) {
        let next: IteratorResult<ParsedRecord>;
        try {
          next = await iterator.next();
        } catch (error) {
          throw csvError(file, error);
        }
        if (next.done) return;
        const { record, info } = next.value;
        const line = info.lines;
        if (record.length < header.length) {
          throw new TableError(
            `${file}, line ${line}: the row has ${record.length} cells but the header has ${header.length} columns (a ragged row: check for a missing comma or a line break inside an unquoted cell).`,
            file,
            line,
          );
        }
        yield { line, row: toRecord(header, record, file, line) };
      }
    } finally {
      parser.destroy();
    }
  }

  return {
    file,
    header,
    headerLine,
    rows: rows(),
    close: async () => {
      parser.destroy();
    },
  };
}
