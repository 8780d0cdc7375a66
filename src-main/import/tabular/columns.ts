import { TableError } from './table-error.js';

/**
 * Header matching that survives what spreadsheets do to column names: stray spaces around
 * them, doubled inner spaces, a different case, a byte-order mark glued to the first one.
 */
export function normaliseColumnName(name: string): string {
  return name.replace(/^\uFEFF/, '').trim().replace(/\s+/g, ' ').toLowerCase();
}

/** The header's own spelling of `name`, or undefined when the table has no such column. */
export function findColumn(header: readonly string[], name: string): string | undefined {
  const wanted = normaliseColumnName(name);
  return header.find((column) => normaliseColumnName(column) === wanted);
}

/** A required column: one name, or a list of accepted names (the first is its key). */
export type ColumnSpec = string | readonly [string, ...string[]];

function names(spec: ColumnSpec): readonly string[] {
  return typeof spec === 'string' ? [spec] : spec;
}

function quoteList(items: readonly string[]): string {
  return items.map((item) => `"${item}"`).join(', ');
}

/**
 * Checks that every required column is there and returns, for each (keyed by its first
 * name), the header's spelling of it. Throws one error that lists every missing column and
 * the columns the file does have: "wrong CSV columns" must say what is wrong.
 */
export function requireColumns(header: readonly string[], required: readonly ColumnSpec[], file: string): Record<string, string> {
  const found: Record<string, string> = {};
  const missing: string[] = [];
  for (const spec of required) {
    const accepted = names(spec);
    const key = accepted[0] as string;
    const match = accepted.map((name) => findColumn(header, name)).find((column) => column !== undefined);
    if (match === undefined) missing.push(accepted.length > 1 ? `${key} (or ${quoteList(accepted.slice(1))})` : key);
    else found[key] = match;
  }
  if (missing.length > 0) {
    const shown = header.length > 0 ? quoteList(header) : '(none)';
    throw new TableError(
      `${file}: wrong columns. Missing ${missing.map((name) => `"${name}"`).join(', ')}. The file's columns are: ${shown}.`,
      file,
    );
  }
  return found;
}
