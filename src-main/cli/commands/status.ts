import { Project } from '../../project/project.js';
import { summarizeProject, type ProjectSummary } from '../../project/summary.js';
import { JobsRepository } from '../../jobs/jobs-repository.js';
import { CliError } from '../cli-error.js';
import { printJson, type CliIo } from '../output.js';
import { option, parseCommand } from '../parse.js';

export const statusHelp = `Usage: octdino status --project DIR [--json]
Show a project's counts and its recent jobs.`;

function formatSummary(summary: ProjectSummary): string {
  const c = summary.counts;
  return [
    `Project "${summary.name}" (${summary.dir})`,
    `  schema v${summary.schemaVersion}, created ${summary.createdAt}`,
    `  images: ${c.images}${c.imagesWithErrors ? ` (+${c.imagesWithErrors} with errors)` : ''}`,
    `  patients: ${c.patients}, eyes: ${c.eyes}, volumes: ${c.volumes}, sources: ${c.sources}`,
    `  label sets: ${c.labelSets}, labelled images: ${c.labelledImages}`,
    `  runs: ${c.runs}, jobs running: ${c.jobsRunning}`,
  ].join('\n');
}

export function statusCommand(argv: string[], io: CliIo): void {
  const { values, positionals } = parseCommand(argv, { project: option.string, json: option.boolean });
  const dir = values.project ?? positionals[0];
  if (!dir) throw new CliError(`status needs --project DIR.\n${statusHelp}`, 2);
  const project = Project.open(dir);
  try {
    const summary = summarizeProject(project);
    const jobs = new JobsRepository(project.db).list(10);
    if (values.json) {
      printJson(io, { ...summary, jobs });
      return;
    }
    io.out(formatSummary(summary));
    for (const job of jobs) {
      io.out(`  job ${job.id} ${job.kind}: ${job.status} ${Math.round(job.progress * 100)}% ${job.error?.message ?? job.message}`);
    }
  } finally {
    project.close();
  }
}
