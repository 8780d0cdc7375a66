/**
 * DICOM OCT: every DICOM file below a folder (or one file). Patient, eye and visit come from
 * each file's own tags when it is decoded, so the plan only lists files.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { isDicomFile } from './folder/file-types.js';
import { walkFiles } from './folder/walk.js';
import { emptyPlanReport, type ImportPlan } from './import-plan.js';
import type { SourceEntry } from './source-entry.js';

export async function planDicomImport(target: string): Promise<ImportPlan> {
  const report = emptyPlanReport();
  const entries: SourceEntry[] = [];
  const info = await stat(target);
  // A single file is imported with its folder as the source root.
  const root = info.isDirectory() ? target : path.dirname(target);
  if (info.isFile()) {
    entries.push({ relPath: path.basename(target), format: 'dicom', meta: {} });
  } else {
    for await (const file of walkFiles(root)) {
      if (await isDicomFile(file.absPath)) entries.push({ relPath: file.relPath, format: 'dicom', meta: {} });
      else report.skipped.push({ relPath: file.relPath, reason: 'not a DICOM file (no .dcm extension and no DICM marker)' });
    }
  }
  return {
    source: { kind: 'dicom', root, label: `DICOM ${path.basename(path.resolve(root))}` },
    entries,
    labelSet: null,
    annotator: null,
    ...report,
  };
}
