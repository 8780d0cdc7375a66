/**
 * The official OLIVES splits (`final_csvs_1/2/3` in the OLIVES repository): per-image CSVs in a
 * train file and a test file (`biomarker_csv_files/complete_biomarker_training.csv` / `_test.csv`,
 * or `complete_prime_recovery_trex/full_*_train.csv` / `_test.csv`), each with a path column
 * (`Path (Trial/…)` or `File_Path`) and Patient_ID. Patients are derived from the path exactly as
 * the import derives `meta.patient`, so the result applies to imported images directly. Split 1
 * shares 4 patients between train and test (it is only eye-disjoint); splits 2 and 3 are
 * patient-disjoint. A patient in both parts is reported, never silently assigned.
 */
import { findColumn, openTable, TableError } from '../tabular/index.js';
import { BIOMARKER_PATH_COLUMN } from './labels.js';
import { locateOlivesPath } from './olives-path.js';

export type SplitPart = 'train' | 'test';

export interface OlivesSplit {
  /** Patient (as in `meta.patient`) -> part, for every patient wholly in one part. */
  patients: Map<string, SplitPart>;
  /** `<patient>/<OD|OS>` -> part, for every eye wholly in one part. */
  eyes: Map<string, SplitPart>;
  /** Patients with images in both parts (eye-disjoint splits such as final_csvs_1). */
  patientsInBoth: string[];
  /** Eyes with images in both parts: the split leaks. */
  eyesInBoth: string[];
  /** Rows whose path is not an OLIVES B-scan path (e.g. RECOVERY images). */
  rowsNotUnderstood: number;
}

async function collect(files: readonly string[], part: SplitPart, seen: Map<string, Set<SplitPart>>, eyes: Map<string, Set<SplitPart>>): Promise<number> {
  let notUnderstood = 0;
  for (const file of files) {
    const table = await openTable(file);
    const pathColumn = findColumn(table.header, BIOMARKER_PATH_COLUMN) ?? findColumn(table.header, 'File_Path');
    if (pathColumn === undefined) {
      await table.close();
      throw new TableError(`${file}: wrong columns. Missing "File_Path" (or "${BIOMARKER_PATH_COLUMN}"). The file's columns are: ${table.header.map((c) => `"${c}"`).join(', ')}.`, file);
    }
    for await (const { row } of table.rows) {
      const result = locateOlivesPath(row[pathColumn] ?? '');
      if (!result.ok) {
        notUnderstood++;
        continue;
      }
      const { patient, eye } = result.location;
      const add = (map: Map<string, Set<SplitPart>>, key: string) => (map.get(key) ?? map.set(key, new Set()).get(key))?.add(part);
      add(seen, patient);
      add(eyes, `${patient}/${eye}`);
    }
  }
  return notUnderstood;
}

function resolve(map: Map<string, Set<SplitPart>>): { assigned: Map<string, SplitPart>; both: string[] } {
  const assigned = new Map<string, SplitPart>();
  const both: string[] = [];
  for (const [key, parts] of map) {
    if (parts.size > 1) both.push(key);
    else assigned.set(key, parts.has('train') ? 'train' : 'test');
  }
  return { assigned, both: both.sort() };
}

/** Reads one official split: its train file(s) and test file(s). */
export async function readOlivesSplit(files: { train: string | readonly string[]; test: string | readonly string[] }): Promise<OlivesSplit> {
  const patients = new Map<string, Set<SplitPart>>();
  const eyes = new Map<string, Set<SplitPart>>();
  const list = (value: string | readonly string[]) => (typeof value === 'string' ? [value] : value);
  const notUnderstood = (await collect(list(files.train), 'train', patients, eyes)) + (await collect(list(files.test), 'test', patients, eyes));
  const byPatient = resolve(patients);
  const byEye = resolve(eyes);
  return { patients: byPatient.assigned, eyes: byEye.assigned, patientsInBoth: byPatient.both, eyesInBoth: byEye.both, rowsNotUnderstood: notUnderstood };
}
