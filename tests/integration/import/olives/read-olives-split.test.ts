import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOlivesSplit } from '../../../../src-main/import/olives/index.js';
import { makeTempDir } from '../../../fixtures/temp-dir.js';

let temp: { dir: string; cleanup: () => void };
beforeAll(() => {
  temp = makeTempDir('octdino-olives-split-');
});
afterAll(() => temp.cleanup());

// The official split files' two formats (final_csvs_*/biomarker_csv_files and .../complete_prime_recovery_trex).
const BIOMARKER_HEADER = 'Path (Trial/Arm/Folder/Visit/Eye/Image Name),Scan (n/49),DRIL,Eye_ID,BCVA,CST,Patient_ID';

function write(name: string, lines: string[]): string {
  const file = path.join(temp.dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('readOlivesSplit', () => {
  it('assigns patients (as the import names them) to train or test', async () => {
    const train = write('train.csv', [
      BIOMARKER_HEADER,
      '/TREX DME/GILA/0201GOD/V1/OD/TREXJ_000000.tif,1,0,1,61,575,201',
      '/Prime_FULL/02-010/W0/OD/0.tif,1,0,57,88,307,57',
    ]);
    const test = write('test.csv', ['File_Path,Patient_Code,Study,Week,BCVA,CST,Snellen,Eye_ID,Patient_ID', '/TREX DME/GILA/0234GOD/V1/OD/TREXW_000027.tif,0234GOD,GILA,V1,73,517,32.0,12,234']);
    const split = await readOlivesSplit({ train, test });
    expect(Object.fromEntries(split.patients)).toEqual({ '0201': 'train', '02-010': 'train', '0234': 'test' });
    expect(split.patientsInBoth).toEqual([]);
    expect(split.eyesInBoth).toEqual([]);
  });

  it('reports a patient whose two eyes fall in different parts (final_csvs_1 is only eye-disjoint)', async () => {
    const train = write('train1.csv', [BIOMARKER_HEADER, '/TREX DME/GILA/0201GOD/V1/OD/TREXJ_000000.tif,1,0,1,61,575,201.0']);
    const test = write('test1.csv', [BIOMARKER_HEADER, '/TREX DME/TREX/0201TOS/V1/OS/TREXS_000000.tif,1,0,35,80,392,201.0']);
    const split = await readOlivesSplit({ train, test });
    expect(split.patients.has('0201')).toBe(false);
    expect(split.patientsInBoth).toEqual(['0201']);
    expect(Object.fromEntries(split.eyes)).toEqual({ '0201/OD': 'train', '0201/OS': 'test' });
  });

  it('refuses a file without a path column', async () => {
    const bad = write('bad.csv', ['Image,Patient_ID', 'a.tif,1']);
    await expect(readOlivesSplit({ train: bad, test: bad })).rejects.toThrow(/wrong columns.*File_Path/);
  });
});
