import { Project } from '../../project/project.js';
import { summarizeProject } from '../../project/summary.js';
import { CliError } from '../cli-error.js';
import { printJson, type CliIo } from '../output.js';
import { option, parseCommand } from '../parse.js';

export const initHelp = `Usage: octdino init DIR [--name NAME] [--json]
Create a new project folder (project.sqlite, cache/, thumbs/, checkpoints/, reports/).`;

export function initCommand(argv: string[], io: CliIo): void {
  const { values, positionals } = parseCommand(argv, { name: option.string, json: option.boolean });
  const dir = positionals[0];
  if (!dir || positionals.length > 1) throw new CliError(`init needs exactly one folder.\n${initHelp}`, 2);
  const project = Project.create(dir, values.name);
  try {
    const summary = summarizeProject(project);
    if (values.json) printJson(io, summary);
    else io.out(`Created project "${summary.name}" in ${summary.dir}`);
  } finally {
    project.close();
  }
}
