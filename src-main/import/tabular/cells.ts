import { describePlace, TableError, type CellPlace } from './table-error.js';

const BINARY = /^([01])(?:\.0*)?$/;

/**
 * A 0/1 label cell as label files write them: `0`, `1`, `0.0`, `1.0`, with stray spaces.
 * Blank means the grader did not say: unknown (undefined), never "absent". Anything else is
 * an error that names the cell, because guessing would put a wrong label into training.
 */
export function parseBinaryCell(value: string | undefined, place: CellPlace): boolean | undefined {
  const text = (value ?? '').trim();
  if (text === '') return undefined;
  const match = BINARY.exec(text);
  if (!match) throw new TableError(`${describePlace(place)}: expected 0, 1 or blank, found "${text}".`, place.file, place.line, place.column);
  return match[1] === '1';
}

/** What pandas, R and spreadsheets write for a missing number. */
const MISSING_NUMBER = new Set(['', 'nan', 'na', 'n/a', 'null', 'none', '#n/a']);

/**
 * A numeric cell (BCVA letters, CST micrometres). Blank and the usual "not available"
 * spellings are unknown (undefined); any other non-number is an error naming the cell.
 */
export function parseNumberCell(value: string | undefined, place: CellPlace): number | undefined {
  const text = (value ?? '').trim();
  if (MISSING_NUMBER.has(text.toLowerCase())) return undefined;
  const number = Number(text);
  if (!Number.isFinite(number)) throw new TableError(`${describePlace(place)}: expected a number, found "${text}".`, place.file, place.line, place.column);
  return number;
}
