import { describe, expect, it } from 'vitest';
import { cellText, findColumn, parseBinaryCell, parseNumberCell, requireColumns, TableError } from '../../../../src-main/import/tabular/index.js';

const place = { file: 'labels.csv', line: 7, column: 'DRIL' };

describe('parseBinaryCell', () => {
  it.each([
    ['0', false],
    ['1', true],
    ['0.0', false],
    ['1.0', true],
    [' 1 ', true],
    ['1.00', true],
    ['', undefined],
    ['   ', undefined],
    [undefined, undefined],
  ])('%j -> %j', (value, expected) => {
    expect(parseBinaryCell(value, place)).toBe(expected);
  });

  it.each(['2', 'yes', '0.5', '-1', 'TRUE', '1e0'])('rejects %j naming file, line, column and value', (value) => {
    expect(() => parseBinaryCell(value, place)).toThrow(TableError);
    expect(() => parseBinaryCell(value, place)).toThrow(`labels.csv, line 7, column "DRIL": expected 0, 1 or blank, found "${value}"`);
  });
});

describe('parseNumberCell', () => {
  it('reads numbers as written and treats blank and NaN spellings as unknown', () => {
    expect(parseNumberCell('61', place)).toBe(61);
    expect(parseNumberCell(' 307.0 ', place)).toBe(307);
    for (const missing of ['', 'NaN', 'nan', 'NA', 'N/A', '#N/A']) expect(parseNumberCell(missing, place)).toBeUndefined();
    expect(() => parseNumberCell('sixty', place)).toThrow(/line 7, column "DRIL": expected a number, found "sixty"/);
  });
});

describe('requireColumns', () => {
  const header = [' File_Path', 'bcva ', 'CST', 'Eye_ID'];

  it('matches names ignoring surrounding whitespace and case, returning the file spelling', () => {
    expect(requireColumns(header, ['File_Path', 'BCVA', 'cst'], 'clinical.csv')).toEqual({ File_Path: ' File_Path', BCVA: 'bcva ', cst: 'CST' });
    expect(findColumn(header, 'eye_id')).toBe('Eye_ID');
  });

  it('accepts any of a list of names for one column', () => {
    expect(requireColumns(['Path (Trial/Arm/Folder/Visit/Eye/Image Name)'], [['File_Path', 'Path (Trial/Arm/Folder/Visit/Eye/Image Name)']], 'f.csv')).toEqual({
      File_Path: 'Path (Trial/Arm/Folder/Visit/Eye/Image Name)',
    });
  });

  it('lists every missing column and the columns found', () => {
    expect(() => requireColumns(['Image', 'Label'], ['File_Path', 'BCVA', ['Patient_ID', 'Patient']], 'wrong.csv')).toThrow(
      'wrong.csv: wrong columns. Missing "File_Path", "BCVA", "Patient_ID (or "Patient")". The file\'s columns are: "Image", "Label".',
    );
  });
});

describe('cellText', () => {
  it('turns XLSX cell values of any type into text', () => {
    expect(cellText(84)).toBe('84');
    expect(cellText(0.5)).toBe('0.5');
    expect(cellText({ formula: 'A1+1', result: 62 })).toBe('62');
    expect(cellText({ sharedFormula: 'A1', result: 'x' })).toBe('x');
    expect(cellText({ richText: [{ text: 'a' }, { text: 'b' }] })).toBe('ab');
    expect(cellText({ text: 'link', hyperlink: 'http://x' })).toBe('link');
    expect(cellText({ error: '#N/A' })).toBe('#N/A');
    expect(cellText(new Date(Date.UTC(2021, 4, 3)))).toBe('2021-05-03');
    expect(cellText(null)).toBe('');
    expect(cellText(false)).toBe('FALSE');
  });
});
