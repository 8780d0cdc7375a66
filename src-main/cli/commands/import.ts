import type { ImportParams } from '../../import/import-job-params.js';
import type { ImportResult } from '../../import/import-pipeline.js';
import { JobRunner } from '../../jobs/job-runner.js';
import type { JobView } from '../../jobs/jobs-repository.js';
import { Project } from '../../project/project.js';
import { CliError } from '../cli-error.js';
import { printJson, type CliIo } from '../output.js';
import { option, parseCommand } from '../parse.js';

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

/** Progress on stderr: a rewritten line on a terminal, a line every few seconds otherwise. */
function progressPrinter(io: CliIo): (job: JobView) => void {
  const tty = process.stderr.isTTY;
  let last = 0;
  return (job) => {
    if (job.status !== 'running') return;
    const now = Date.now();
    if (now - last < (tty ? 200 : 3000)) return;
    last = now;
    const eta = job.etaSeconds !== null ? `, ${Math.ceil(job.etaSeconds)} s left` : '';
    const line = `${Math.round(job.progress * 100)}% ${job.message}${eta}`;
    if (tty) process.stderr.write(`\r\x1b[K${line.slice(0, (process.stderr.columns ?? 120) - 1)}`);
    else io.err(line);
  };
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
  const runner = new JobRunner(project);
  try {
    const job = runner.start('import', params);
    runner.on('updated', progressPrinter(io));
    const cancel = (): void => {
      io.err('\nCancelling… (what is imported so far stays; run the same command again to finish)');
      runner.cancel(job.id);
    };
    process.once('SIGINT', cancel);
    const done = await runner.waitFor(job.id);
    process.off('SIGINT', cancel);
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    if (done.status === 'cancelled') throw new CliError('Import cancelled; run the same command again to finish it.');
    if (done.status !== 'completed') throw new CliError(done.error?.message ?? `Import ${done.status}.`);
    const result = done.result as ImportResult;
    if (values.json) printJson(io, { jobId: done.id, ...result });
    else io.out(formatResult(result));
  } finally {
    runner.shutdown();
    project.close();
  }
}
