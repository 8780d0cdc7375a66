import path from 'node:path';
import { Project } from '../../project/project.js';
import { createReport, formatOfPath } from '../../report/create-report.js';
import { ReportInputError } from '../../report/report-data.js';
import { ChromiumNotFoundError } from '../../report/report-pdf.js';
import type { ReportScope } from '../../report/report-types.js';
import { CliError } from '../cli-error.js';
import { integer, parseIntegerList } from '../downstream-options.js';
import { printJson, type CliIo } from '../output.js';
import { option, parseCommand } from '../parse.js';

export const reportHelp = `Usage: octdino report --project DIR --pipeline ID --out FILE.pdf|FILE.html [--json]
       octdino report --project DIR --runs ID,ID,... --out FILE.pdf|FILE.html [--json]
The report of a pipeline or sweep (or of chosen runs) as one self-contained HTML file or as PDF:
the question and the answer, the dataset and its patient split, every stage's settings, engine
and version, training curves with the collapse monitor, the results table with 95 % intervals,
paired-bootstrap significance against the supervised baseline, the label-efficiency curve,
attention examples, reproducibility facts and limitations.
A PDF is printed by headless Chromium: set OCTDINO_CHROMIUM if it is not in a usual place.`;

export async function reportCommand(argv: string[], io: CliIo): Promise<void> {
  const { values } = parseCommand(argv, { project: option.string, pipeline: option.string, runs: option.string, out: option.string, json: option.boolean });
  if (typeof values.project !== 'string' || typeof values.out !== 'string') throw new CliError(`report needs --project DIR and --out FILE.\n${reportHelp}`, 2);
  if ((values.pipeline === undefined) === (values.runs === undefined)) throw new CliError(`report needs exactly one of --pipeline ID or --runs ID,ID,...\n${reportHelp}`, 2);
  const format = formatOfPath(values.out);
  if (!format) throw new CliError(`--out must end in .pdf or .html, got "${values.out}".`, 2);
  const scope: ReportScope = values.pipeline !== undefined ? { pipelineId: integer('pipeline', values.pipeline) } : { runIds: parseIntegerList('runs', values.runs!) };
  const project = Project.open(values.project);
  try {
    const result = await createReport(project, scope, path.resolve(values.out), format);
    if (values.json === true) printJson(io, result);
    else io.out(`Wrote the ${format.toUpperCase()} report of runs ${result.runIds.join(', ')} to ${result.path} (${Math.round(result.bytes / 1024)} KiB, ${result.attentionExamples} attention examples).`);
  } catch (err) {
    if (err instanceof ReportInputError || err instanceof ChromiumNotFoundError) throw new CliError(err.message);
    throw err;
  } finally {
    project.close();
  }
}
