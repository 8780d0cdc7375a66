import { isProcessAlive } from '../../jobs/job-runner.js';
import { JobsRepository } from '../../jobs/jobs-repository.js';
import { labelSetStats, type LabelSetStats } from '../../project/label-stats.js';
import { Project } from '../../project/project.js';
import { listSplits, type SplitSummary } from '../../project/splits.js';
import { summarizeProject, type ProjectSummary } from '../../project/summary.js';
import { CliError } from '../cli-error.js';
import { printJson, type CliIo } from '../output.js';
import { option, parseCommand } from '../parse.js';

export const statusHelp = `Usage: octdino status --project DIR [--json]
Show a project's images, patients, eyes, volumes, import errors, label counts, splits and recent jobs.`;

function formatSummary(summary: ProjectSummary, labelSets: LabelSetStats[], splits: SplitSummary[]): string {
  const c = summary.counts;
  const lines = [
    `Project "${summary.name}" (${summary.dir})`,
    `  schema v${summary.schemaVersion}, created ${summary.createdAt}`,
    `  images: ${c.images}${c.importErrors ? ` (${c.importErrors} files could not be imported)` : ''}`,
    `  patients: ${c.patients}, eyes: ${c.eyes}, volumes: ${c.volumes}, sources: ${c.sources}`,
    `  label sets: ${c.labelSets}, labelled images: ${c.labelledImages}`,
    `  runs: ${c.runs}, jobs running: ${c.jobsRunning}`,
  ];
  for (const set of labelSets) {
    lines.push(`  label set "${set.name}" (${set.kind.replace('_', '-')}): positive / negative / uncertain / unknown`);
    for (const label of set.labels) {
      lines.push(`    ${label.name.padEnd(36)} ${label.positive} / ${label.negative} / ${label.uncertain} / ${label.unknown}`);
    }
  }
  for (const split of splits) {
    const s = split.subsets;
    lines.push(
      `  split "${split.name}" (${split.strategy}, seed ${split.seed}): train ${s.train.patients} patients / ${s.train.images} images, ` +
        `val ${s.val.patients} / ${s.val.images}, test ${s.test.patients} / ${s.test.images}` +
        (split.unassignedImages ? `, ${split.unassignedImages} images without patient` : ''),
    );
  }
  return lines.join('\n');
}

export function statusCommand(argv: string[], io: CliIo): void {
  const { values, positionals } = parseCommand(argv, { project: option.string, json: option.boolean });
  const dir = values.project ?? positionals[0];
  if (!dir) throw new CliError(`status needs --project DIR.\n${statusHelp}`, 2);
  const project = Project.open(dir);
  try {
    const summary = summarizeProject(project);
    const labelSets = labelSetStats(project.db);
    const splits = listSplits(project.db);
    const jobsRepository = new JobsRepository(project.db);
    // A job whose worker is gone (the app was killed) is shown as interrupted, not running.
    jobsRepository.markOrphansInterrupted(isProcessAlive);
    const jobs = jobsRepository.list(10);
    if (values.json) {
      // The counts also appear at the top level, where scripts look for them first.
      printJson(io, { ...summary, ...summary.counts, labelSets, splits, jobs });
      return;
    }
    io.out(formatSummary(summary, labelSets, splits));
    for (const job of jobs) {
      io.out(`  job ${job.id} ${job.kind}: ${job.status} ${Math.round(job.progress * 100)}% ${job.error?.message ?? job.message}`);
    }
  } finally {
    project.close();
  }
}
