import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Project } from '../project/project.js';
import { JOB_KINDS, isJobKind, type JobKind } from './job-kinds.js';
import { JobsRepository, type JobView } from './jobs-repository.js';
import { fromWorkerSchema, type FromWorker, type Progress, type ToWorker } from './protocol.js';

/** Thrown for a job request the runner refuses (unknown kind, bad params, not resumable). */
export class JobRequestError extends Error {
  override readonly name = 'JobRequestError';
}

export interface JobRunnerEvents {
  /** Any change of a job: status, progress, message. */
  updated: [JobView];
}

export interface JobRunnerOptions {
  /** Seconds a cancelled worker gets to stop cleanly before it is killed. */
  cancelGraceSeconds?: number;
  /** Extra environment for workers (the desktop shell passes its SQLite binding). */
  workerEnv?: NodeJS.ProcessEnv;
}

interface ActiveJob {
  id: number;
  child: ChildProcess;
  startedAt: number;
  seq: number;
  metrics: Record<string, number>;
  lastPersist: number;
  terminal: boolean;
  cancelTimer: NodeJS.Timeout | null;
}

/** Worker entry next to this file: `.ts` under tsx/vitest, `.js` once compiled. */
function workerEntry(): { file: string; execArgv: string[] } {
  const self = fileURLToPath(import.meta.url);
  const fromSource = self.endsWith('.ts');
  return {
    file: self.replace(/job-runner\.(ts|js)$/, `worker-main.${fromSource ? 'ts' : 'js'}`),
    execArgv: fromSource ? ['--import', 'tsx'] : [],
  };
}

/**
 * True while a process with this pid runs. Signal 0 checks without signalling; on Linux a
 * zombie (a killed worker whose parent died too, not yet reaped) also answers it, so its
 * state in /proc is checked as well.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (macOS, Windows): signal 0 is the answer
  }
}

/**
 * Runs each job in its own worker process, so a long import or a training run never blocks
 * the API's event loop, and a worker that crashes takes only its own job down. Job state lives
 * in the project's SQLite database; events carry every change to the UI.
 */
export class JobRunner extends EventEmitter<JobRunnerEvents> {
  private readonly repo: JobsRepository;
  private readonly active = new Map<number, ActiveJob>();
  private readonly cancelGraceMs: number;
  /** Set by shutdown(): the project's database may be closed right after, so no more writes. */
  private stopped = false;

  constructor(
    private readonly project: Project,
    private readonly options: JobRunnerOptions = {},
  ) {
    super();
    this.repo = new JobsRepository(project.db);
    this.cancelGraceMs = (options.cancelGraceSeconds ?? 10) * 1000;
    this.repo.markOrphansInterrupted(isProcessAlive);
  }

  list(limit?: number): JobView[] {
    return this.repo.list(limit).map((job) => this.withLiveMetrics(job));
  }

  get(id: number): JobView | null {
    const job = this.repo.get(id);
    return job ? this.withLiveMetrics(job) : null;
  }

  /** Validates the params for `kind`, records the job and starts its worker. */
  start(kind: string, params: unknown, runId: number | null = null): JobView {
    if (this.stopped) throw new JobRequestError('This project has been closed.');
    if (!isJobKind(kind)) throw new JobRequestError(`Unknown job kind "${kind}".`);
    const parsed = JOB_KINDS[kind].params.safeParse(params ?? {});
    if (!parsed.success) {
      throw new JobRequestError(`Invalid parameters for ${kind}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    }
    const id = this.repo.create(kind, parsed.data, runId);
    this.launch(id, kind, parsed.data);
    return this.mustGet(id);
  }

  /** Starts an interrupted, failed or cancelled job again with the same params; job code resumes from what is saved. */
  resume(id: number): JobView {
    const job = this.repo.get(id);
    if (!job) throw new JobRequestError(`No job ${id}.`);
    if (this.active.has(id) || job.status === 'running' || job.status === 'queued') {
      throw new JobRequestError(`Job ${id} is already running.`);
    }
    if (job.status === 'completed') throw new JobRequestError(`Job ${id} has already completed.`);
    if (!isJobKind(job.kind)) throw new JobRequestError(`Job ${id} has an unknown kind "${job.kind}".`);
    this.repo.setStatus(id, 'queued', { message: 'Resuming…' });
    this.launch(id, job.kind, job.params);
    return this.mustGet(id);
  }

  /** Asks the worker to stop; kills it if it has not stopped after the grace period. */
  cancel(id: number): JobView {
    const active = this.active.get(id);
    if (!active) {
      const job = this.repo.get(id);
      if (!job) throw new JobRequestError(`No job ${id}.`);
      return job; // already finished: cancelling is a no-op
    }
    this.send(active, { type: 'cancel', seq: ++active.seq });
    active.cancelTimer ??= setTimeout(() => {
      if (!active.terminal) {
        this.finish(active, 'cancelled', { message: 'Cancelled (the worker did not stop in time and was killed).' });
        active.child.kill('SIGKILL');
      }
    }, this.cancelGraceMs);
    return this.mustGet(id);
  }

  /** Resolves when job `id` reaches a final status. */
  waitFor(id: number): Promise<JobView> {
    return new Promise((resolve) => {
      const check = (): boolean => {
        const job = this.repo.get(id);
        if (job && !this.active.has(id) && job.status !== 'running' && job.status !== 'queued') {
          resolve(job);
          return true;
        }
        return false;
      };
      if (check()) return;
      const onUpdate = (job: JobView): void => {
        if (job.id === id && check()) this.off('updated', onUpdate);
      };
      this.on('updated', onUpdate);
    });
  }

  get activeCount(): number {
    return this.active.size;
  }

  /** Kills every worker (app shutdown); their jobs are marked interrupted and can be resumed. */
  shutdown(): void {
    for (const active of this.active.values()) {
      this.finish(active, 'interrupted', { message: 'The app closed while this job was running; resume it to continue.' });
      if (active.cancelTimer) clearTimeout(active.cancelTimer);
      active.child.kill('SIGKILL');
    }
    this.active.clear();
    this.stopped = true;
  }

  private launch(id: number, kind: JobKind, params: unknown): void {
    const entry = workerEntry();
    const child = fork(entry.file, [], {
      execArgv: entry.execArgv,
      env: { ...process.env, ...this.options.workerEnv },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'json',
    });
    const active: ActiveJob = {
      id,
      child,
      startedAt: Date.now(),
      seq: 0,
      metrics: {},
      lastPersist: 0,
      terminal: false,
      cancelTimer: null,
    };
    this.active.set(id, active);
    this.repo.setStatus(id, 'running', { message: `Starting ${JOB_KINDS[kind].title.toLowerCase()}…`, pid: child.pid ?? null });
    this.emitUpdate(id);

    child.on('message', (raw) => {
      if (!this.stopped) this.onMessage(active, raw);
    });
    child.on('error', (err) => {
      if (this.stopped) return;
      this.finish(active, 'failed', { error: { name: 'WorkerError', message: `Could not run the worker: ${err.message}` } });
    });
    child.on('exit', (code, signal) => {
      if (this.stopped) return;
      if (!active.terminal) {
        const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
        this.finish(active, 'failed', {
          error: {
            name: 'WorkerDied',
            message: `The worker process stopped unexpectedly: it ${how}. Saved work is kept; resume the job to continue.`,
            userFacing: true,
          },
        });
      }
      if (active.cancelTimer) clearTimeout(active.cancelTimer);
      this.active.delete(id);
      this.emitUpdate(id);
    });
    this.send(active, { type: 'start', seq: ++active.seq, jobId: id, kind, projectDir: this.project.dir, params });
  }

  private onMessage(active: ActiveJob, raw: unknown): void {
    const parsed = fromWorkerSchema.safeParse(raw);
    if (!parsed.success) {
      this.finish(active, 'failed', { error: { name: 'ProtocolError', message: 'The worker sent a malformed message.' } });
      active.child.kill('SIGKILL');
      return;
    }
    const message: FromWorker = parsed.data;
    switch (message.type) {
      case 'ready':
        return;
      case 'progress':
        return this.onProgress(active, message.progress);
      case 'done':
        return this.finish(active, 'completed', { message: 'Done', result: message.result });
      case 'cancelled':
        return this.finish(active, 'cancelled', { message: 'Cancelled' });
      case 'error':
        return this.finish(active, 'failed', { error: message.error, message: message.error.message });
    }
  }

  private onProgress(active: ActiveJob, progress: Progress): void {
    if (active.terminal) return;
    active.metrics = progress.metrics ?? active.metrics;
    const elapsed = (Date.now() - active.startedAt) / 1000;
    const eta =
      progress.etaSeconds ??
      (progress.fraction > 0.01 && elapsed > 1 ? (elapsed * (1 - progress.fraction)) / progress.fraction : null);
    // Progress may arrive many times a second: the database gets at most a few writes a second.
    const now = Date.now();
    if (now - active.lastPersist > 250 || progress.fraction >= 1) {
      this.repo.setProgress(active.id, progress.fraction, progress.message, eta);
      active.lastPersist = now;
    }
    const job = this.repo.get(active.id, active.metrics);
    if (job) this.emit('updated', { ...job, progress: progress.fraction, message: progress.message, etaSeconds: eta });
  }

  private finish(
    active: ActiveJob,
    status: 'completed' | 'failed' | 'cancelled' | 'interrupted',
    extra: Parameters<JobsRepository['setStatus']>[2],
  ): void {
    if (active.terminal) return;
    active.terminal = true;
    this.repo.setStatus(active.id, status, extra);
    this.emitUpdate(active.id);
  }

  private send(active: ActiveJob, message: ToWorker): void {
    if (active.child.connected) active.child.send(message);
  }

  private emitUpdate(id: number): void {
    const job = this.get(id);
    if (job) this.emit('updated', job);
  }

  private withLiveMetrics(job: JobView): JobView {
    const active = this.active.get(job.id);
    return active ? { ...job, metrics: active.metrics } : job;
  }

  private mustGet(id: number): JobView {
    const job = this.get(id);
    if (!job) throw new Error(`Job ${id} vanished`);
    return job;
  }
}
