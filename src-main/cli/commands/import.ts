import type { ImportParams } from '../../import/import-job-params.js';
import type { ImportResult } from '../../import/import-pipeline.js';
import { Project } from '../../project/project.js';
import { CliError } from '../cli-error.js';
import { printJson, type CliIo } from '../output.js';
import { option, parseCommand } from '../parse.js';
import { runJobFromCli } from '../run-job.js';

export const importHelp = `Usage: octdino import --project DIR SOURCE [--json]
SOURCE is one of:
  --olives ROOT [--labels CSV] [--clinical CSV|XLSX]   the OLIVES release (Prime_FULL/, TREX DME/)
  --folder PATH [--labels CSV] [--layout flat|classes]  a folder of B-scans (flat, one subfolder per class, or with a label CSV)
  --dicom PATH                                          DICOM OCT files (a folder or one file)
Runs as a job (progress on stderr, Ctrl+C cancels; running it again finishes a stopped import).`;

function paramsFrom(values: Record<string, string | boolean | undefined>): ImportParams {
  const str = (key: string): string | undefined => (typeof values[key] === 'string' ? (values[key] as string) : undefined);
  const chosen = ['olives', 'folder', 'dicom'].filter((k) => str(k) !== undefined);
  if (chosen.length !== 1) throw new CliError(`import needs exactly one of --olives, --folder, --dicom.\n${importHelp}`, 2);
  const labels = str('labels');
  if (str('olives')) {
    const clinical = str('clinical');
    return { kind: 'olives', root: str('olives') as string, ...(labels ? { labels } : {}), ...(clinical ? { clinical } : {}) };
  }
  if (str('clinical')) throw new CliError('--clinical goes with --olives.', 2);
  if (str('folder')) {
    const layout = str('layout');
    if (layout !== undefined && layout !== 'flat' && layout !== 'classes') throw new CliError(`--layout must be flat or classes, got "${layout}".`, 2);
    return { kind: 'folder', root: str('folder') as string, ...(labels ? { labels } : {}), ...(layout ? { layout } : {}) };
  }
  if (labels) throw new CliError('--labels goes with --olives or --folder.', 2);
  return { kind: 'dicom', root: str('dicom') as string };
}

function formatResult(result: ImportResult): string {
  const lines = [`Imported ${result.added} images, skipped ${result.skipped} already in the project, ${result.failed.length} failed (${result.seconds.toFixed(1)} s).`];
  for (const failure of result.failed.slice(0, 20)) lines.push(`  failed: ${failure.path}: ${failure.reason}`);
  if (result.failed.length > 20) lines.push(`  … and ${result.failed.length - 20} more (see --json or the Dataset view)`);
  if (result.rowsWithoutImage.length) lines.push(`${result.rowsWithoutImage.length} label rows name an image that is not on disk, e.g. ${result.rowsWithoutImage[0]?.path}`);
  if (result.imagesWithoutLabels) lines.push(`${result.imagesWithoutLabels} images have no label row (imported unlabelled).`);
  if (result.skippedFiles.length) lines.push(`${result.skippedFiles.length} files are not B-scans and were left out (e.g. ${result.skippedFiles[0]?.relPath}: ${result.skippedFiles[0]?.reason}).`);
  for (const warning of result.warnings) lines.push(`warning: ${warning}`);
  return lines.join('\n');
}

export async function importCommand(argv: string[], io: CliIo): Promise<void> {
  const { values } = parseCommand(argv, {
    project: option.string,
    olives: option.string,
    folder: option.string,
    dicom: option.string,
    labels: option.string,
    clinical: option.string,
    layout: option.string,
    json: option.boolean,
  });
  if (!values.project) throw new CliError(`import needs --project DIR.\n${importHelp}`, 2);
  const params = paramsFrom(values);
  const project = Project.open(values.project);
  try {
    const done = await runJobFromCli(project, 'import', params, io, 'Import');
    const result = done.result as ImportResult;
    if (values.json) printJson(io, { jobId: done.id, ...result });
    else io.out(formatResult(result));
  } finally {
    project.close();
  }
}
