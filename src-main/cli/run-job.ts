import type { JobKind } from '../jobs/job-kinds.js';
import { JobRunner } from '../jobs/job-runner.js';
import type { JobView } from '../jobs/jobs-repository.js';
import type { Project } from '../project/project.js';
import { CliError } from './cli-error.js';
import type { CliIo } from './output.js';

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

/**
 * Runs one job in its worker the way the app does, printing progress; Ctrl+C cancels it (what
 * was saved stays, and the same command resumes). Returns the completed job, or throws a
 * CliError saying how it ended.
 */
export async function runJobFromCli(project: Project, kind: JobKind, params: unknown, io: CliIo, what: string): Promise<JobView> {
  const runner = new JobRunner(project);
  try {
    const job = runner.start(kind, params);
    runner.on('updated', progressPrinter(io));
    const cancel = (): void => {
      io.err(`\nCancelling… (what is done so far stays; run the same command again to continue)`);
      runner.cancel(job.id);
    };
    process.once('SIGINT', cancel);
    const done = await runner.waitFor(job.id);
    process.off('SIGINT', cancel);
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    if (done.status === 'cancelled') throw new CliError(`${what} cancelled; run the same command again to continue.`);
    if (done.status !== 'completed') throw new CliError(done.error?.message ?? `${what} ${done.status}.`);
    return done;
  } finally {
    runner.shutdown();
  }
}
