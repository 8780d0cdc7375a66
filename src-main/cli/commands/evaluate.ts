import type { ArmResult } from '../../ml/finetune/arm-job.js';
import { Project } from '../../project/project.js';
import { RunsRepository } from '../../project/runs.js';
import { CliError } from '../cli-error.js';
import { integer } from '../downstream-options.js';
import { printJson, type CliIo } from '../output.js';
import { option, parseCommand } from '../parse.js';
import { runJobFromCli } from '../run-job.js';
import { formatArm } from './finetune.js';

export const evaluateHelp = `Usage: octdino evaluate --project DIR --run ID [--json]
Scores a finished downstream run's selected classifier again on its validation and test
images (thresholds from validation, 95 % patient-bootstrap intervals) and replaces its stored
evaluation and predictions — e.g. after labels were corrected. A run still training is
continued first.`;

export async function evaluateCommand(argv: string[], io: CliIo): Promise<void> {
  const { values } = parseCommand(argv, { project: option.string, run: option.string, json: option.boolean });
  if (typeof values.project !== 'string' || values.run === undefined) throw new CliError(`evaluate needs --project DIR and --run ID.\n${evaluateHelp}`, 2);
  const runId = integer('run', values.run);
  const project = Project.open(values.project);
  try {
    const run = new RunsRepository(project.db).get(runId);
    const arm = (run?.config as { arm?: string } | null)?.arm;
    if (!run || arm === undefined) throw new CliError(`Run ${runId} is not a downstream run (k-NN, linear probe, fine-tuning or supervised).`);
    const done = await runJobFromCli(project, 'finetune', { runId, arm }, io, 'Evaluation');
    const result = done.result as ArmResult;
    if (values.json === true) printJson(io, { jobId: done.id, ...result });
    else io.out(formatArm(result));
  } finally {
    project.close();
  }
}
