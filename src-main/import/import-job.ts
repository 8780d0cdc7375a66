/**
 * The `import` job: plans the source (walks the folder, reads label files), then runs the
 * import pipeline. Runs in a worker process; a re-run of the same params finishes what a
 * killed run left and adds nothing twice.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { JobHandler } from '../jobs/job-context.js';
import { JobInputError } from '../jobs/protocol.js';
import { planDicomImport } from './dicom-source.js';
import { planFolderImport } from './folder/folder-source.js';
import { planFolderCsvImport } from './folder/folder-csv-source.js';
import type { ImportParams } from './import-job-params.js';
import type { ImportPlan } from './import-plan.js';
import { runImport, type ImportResult } from './import-pipeline.js';
import { planOlivesImport } from './olives/index.js';

function requireExisting(file: string | undefined, what: string): string | undefined {
  if (file === undefined) return undefined;
  const resolved = path.resolve(file);
  if (!existsSync(resolved)) throw new JobInputError(`The ${what} ${resolved} does not exist.`);
  return resolved;
}

export async function planImport(params: ImportParams): Promise<ImportPlan> {
  const root = requireExisting(params.root, params.kind === 'dicom' ? 'DICOM file or folder' : 'folder');
  if (root === undefined) throw new JobInputError('No source folder given.');
  switch (params.kind) {
    case 'olives': {
      const plan = await planOlivesImport(root, {
        ...(params.labels ? { labelsCsv: requireExisting(params.labels, 'label file') } : {}),
        ...(params.clinical ? { clinicalFile: requireExisting(params.clinical, 'clinical data file') } : {}),
      });
      return {
        source: { kind: 'olives', root, label: `OLIVES ${path.basename(root)}`, options: { labels: params.labels ?? null, clinical: params.clinical ?? null } },
        entries: plan.entries,
        labelSet: plan.labelSet,
        annotator: plan.labelSet && params.labels ? `OLIVES labels (${path.basename(params.labels)})` : null,
        skipped: plan.skipped,
        rowsWithoutImage: plan.rowsWithoutImage,
        imagesWithoutLabels: plan.imagesWithoutLabels,
        warnings: plan.warnings,
      };
    }
    case 'folder':
      if (params.labels) return planFolderCsvImport(root, requireExisting(params.labels, 'label file') as string);
      return planFolderImport(root, params.layout ?? 'auto');
    case 'dicom':
      return planDicomImport(root);
  }
}

export const importJob: JobHandler<ImportParams, ImportResult> = async (ctx, params) => {
  ctx.progress({ fraction: 0, message: `Scanning ${params.root}…` });
  const plan = await planImport(params);
  ctx.signal.throwIfAborted();
  return runImport(ctx, plan);
};
