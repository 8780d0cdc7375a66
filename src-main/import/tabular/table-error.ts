/**
 * The one error every label-table problem throws: a file that cannot be read as a table, wrong
 * columns, a ragged row, a cell that is not what its column needs. The message always names the
 * file (and the line and column where there is one), so a user can open the file and fix it.
 */
export class TableError extends Error {
  override readonly name = 'TableError';
  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
    readonly column?: string,
  ) {
    super(message);
  }
}

/** Where a cell sits, for error messages. */
export interface CellPlace {
  file: string;
  line: number;
  column: string;
}

export function describePlace(place: CellPlace): string {
  return `${place.file}, line ${place.line}, column "${place.column}"`;
}
