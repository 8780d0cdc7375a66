import { writeFileSync } from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTable, readTable, TableError, type TableRow } from '../../../../src-main/import/tabular/index.js';
import { makeTempDir } from '../../../fixtures/temp-dir.js';

let temp: { dir: string; cleanup: () => void };
beforeAll(() => {
  temp = makeTempDir('octdino-tabular-');
});
afterAll(() => temp.cleanup());

let counter = 0;
function csv(text: string | Buffer, extension = '.csv'): string {
  const file = path.join(temp.dir, `t${counter++}${extension}`);
  writeFileSync(file, text);
  return file;
}

async function rows(file: string): Promise<TableRow[]> {
  const all: TableRow[] = [];
  for await (const row of readTable(file)) all.push(row);
  return all;
}

describe('readTable (CSV)', () => {
  it('reads a UTF-8 file with a byte-order mark, CRLF line ends and trailing empty lines', async () => {
    const file = csv('\uFEFFFile_Path,BCVA\r\n/Prime_FULL/02-010/W0/OD/0.tif,88\r\n/Prime_FULL/02-010/W0/OD/1.tif,88\r\n\r\n\r\n');
    const table = await openTable(file);
    expect(table.header).toEqual(['File_Path', 'BCVA']);
    await table.close();
    expect(await rows(file)).toEqual([
      { line: 2, row: { File_Path: '/Prime_FULL/02-010/W0/OD/0.tif', BCVA: '88' } },
      { line: 3, row: { File_Path: '/Prime_FULL/02-010/W0/OD/1.tif', BCVA: '88' } },
    ]);
  });

  it('keeps commas, quotes and line breaks inside quoted fields, and trims header names', async () => {
    const file = csv(' Path , Note \n"/TREX DME/GILA/0201GOD/V1/OD/TREXJ_000000.tif","a, ""b""\nc"\n/x.tif,d\n');
    const all = await rows(file);
    expect(all[0]?.row).toEqual({ Path: '/TREX DME/GILA/0201GOD/V1/OD/TREXJ_000000.tif', Note: 'a, "b"\nc' });
    expect(all[1]).toEqual({ line: 4, row: { Path: '/x.tif', Note: 'd' } });
  });

  it('skips blank lines and all-empty rows (",,,") but keeps rows with blank cells', async () => {
    const all = await rows(csv('a,b,c\n\n1,,3\n,,\n4,5,6\n,,\n'));
    expect(all).toEqual([
      { line: 3, row: { a: '1', b: '', c: '3' } },
      { line: 5, row: { a: '4', b: '5', c: '6' } },
    ]);
  });

  it('sniffs semicolon and tab delimiters from the header', async () => {
    expect((await rows(csv('File_Path;BCVA\n/TREX DME/a.tif;61,5\n')))[0]?.row).toEqual({ File_Path: '/TREX DME/a.tif', BCVA: '61,5' });
    expect((await rows(csv('File_Path\tBCVA\n/TREX DME/a.tif\t61\n', '.tsv')))[0]?.row).toEqual({ File_Path: '/TREX DME/a.tif', BCVA: '61' });
  });

  it('names the line of a ragged row, short or long', async () => {
    await expect(rows(csv('a,b,c\n1,2,3\n1,2\n'))).rejects.toThrow(/t\d+\.csv, line 3: the row has 2 cells but the header has 3 columns/);
    await expect(rows(csv('a,b\n1,2\n3,4\n5,6,7\n'))).rejects.toThrow(/line 4: the row has 3 cells but the header has 2 columns/);
  });

  it('turns parser failures and empty files into TableErrors naming the file', async () => {
    const unclosed = csv('a,b\n1,"2\n');
    const error = await rows(unclosed).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TableError);
    expect((error as Error).message).toContain(unclosed);
    await expect(openTable(csv(''))).rejects.toThrow(/empty \(no header row\)/);
    await expect(openTable(csv('a,b,A\n1,2,3\n'))).rejects.toThrow(/"A" appears twice/);
  });

  it('refuses UTF-16 text and unknown extensions with advice', async () => {
    await expect(openTable(csv(Buffer.from('\uFEFFa\tb\n', 'utf16le')))).rejects.toThrow(/UTF-16.*CSV UTF-8/);
    await expect(openTable(csv('x', '.xls'))).rejects.toThrow(/\.xlsx or CSV/);
    await expect(openTable(csv('x', '.json'))).rejects.toThrow(/not a label table/);
  });
});

describe('readTable (XLSX)', () => {
  it('streams the first sheet; header = first non-empty row; cells of any type as text', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Clinical');
    sheet.getCell('A3').value = ' File_Path ';
    sheet.getCell('B3').value = 'BCVA';
    sheet.getCell('C3').value = 'CST';
    sheet.getCell('D3').value = 'Note';
    sheet.getRow(4).values = ['/Prime_FULL/02-010/W0/OD/0.tif', 88, 307.5, { richText: [{ text: 'rich ' }, { text: 'text' }] }];
    sheet.getRow(6).values = ['/Prime_FULL/02-010/W0/OD/1.tif', { formula: '80+8', result: 88 }, null, true];
    sheet.getRow(7).values = ['/Prime_FULL/02-010/W0/OD/2.tif', 61];
    workbook.addWorksheet('Other').getCell('A1').value = 'not read';
    const file = path.join(temp.dir, 'clinical.xlsx');
    await workbook.xlsx.writeFile(file);

    const table = await openTable(file);
    expect(table.header).toEqual(['File_Path', 'BCVA', 'CST', 'Note']);
    expect(table.headerLine).toBe(3);
    const all: TableRow[] = [];
    for await (const row of table.rows) all.push(row);
    expect(all).toEqual([
      { line: 4, row: { File_Path: '/Prime_FULL/02-010/W0/OD/0.tif', BCVA: '88', CST: '307.5', Note: 'rich text' } },
      { line: 6, row: { File_Path: '/Prime_FULL/02-010/W0/OD/1.tif', BCVA: '88', CST: '', Note: 'TRUE' } },
      { line: 7, row: { File_Path: '/Prime_FULL/02-010/W0/OD/2.tif', BCVA: '61', CST: '', Note: '' } },
    ]);
  });

  it('names the row where data runs past the header', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Sheet1');
    sheet.addRow(['a', 'b']);
    sheet.addRow([1, 2, 3]);
    const file = path.join(temp.dir, 'ragged.xlsx');
    await workbook.xlsx.writeFile(file);
    await expect(rows(file)).rejects.toThrow(/ragged\.xlsx, line 2: the row has 3 cells but the header has 2 columns/);
  });

  it('says a broken workbook is not readable', async () => {
    await expect(openTable(csv('not a zip', '.xlsx'))).rejects.toThrow(/not a readable XLSX workbook/);
  });
});
