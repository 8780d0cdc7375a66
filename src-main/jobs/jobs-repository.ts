import type { SqliteDatabase } from '../project/database.js';
import type { SerializedError } from './protocol.js';

export type JobStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled' | 'interrupted';
export const FINISHED_JOB_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'cancelled', 'interrupted'];

/** A job as the UI and CLI see it. */
export interface JobView {
  id: number;
  kind: string;
  status: JobStatus;
  params: unknown;
  runId: number | null;
  progress: number;
  message: string;
  etaSeconds: number | null;
  metrics: Record<string, number>;
  result: unknown;
  error: SerializedError | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
}

interface JobRow {
  id: number;
  kind: string;
  status: JobStatus;
  params_json: string;
  run_id: number | null;
  progress: number;
  message: string;
  eta_seconds: number | null;
  result_json: string | null;
  error_json: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string;
}

function toView(row: JobRow, metrics: Record<string, number> = {}): JobView {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    params: JSON.parse(row.params_json) as unknown,
    runId: row.run_id,
    progress: row.progress,
    message: row.message,
    etaSeconds: row.eta_seconds,
    metrics,
    result: row.result_json === null ? null : (JSON.parse(row.result_json) as unknown),
    error: row.error_json === null ? null : (JSON.parse(row.error_json) as SerializedError),
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    updatedAt: row.updated_at,
  };
}

const now = (): string => new Date().toISOString();

/** All SQL about jobs, with statements prepared once per connection. */
export class JobsRepository {
  private readonly insertStmt;
  private readonly getStmt;
  private readonly listStmt;
  private readonly progressStmt;
  private readonly statusStmt;

  constructor(private readonly db: SqliteDatabase) {
    this.insertStmt = db.prepare(
      `INSERT INTO jobs (kind, status, params_json, run_id, created_at, updated_at)
       VALUES (@kind, 'queued', @params, @runId, @now, @now)`,
    );
    this.getStmt = db.prepare('SELECT * FROM jobs WHERE id = ?');
    this.listStmt = db.prepare('SELECT * FROM jobs ORDER BY id DESC LIMIT ?');
    this.progressStmt = db.prepare(
      `UPDATE jobs SET progress = @progress, message = @message, eta_seconds = @eta, updated_at = @now WHERE id = @id`,
    );
    this.statusStmt = db.prepare(
      `UPDATE jobs SET status = @status, message = coalesce(@message, message), pid = @pid,
         started_at = CASE WHEN @status = 'running' THEN @now ELSE started_at END,
         finished_at = CASE WHEN @status IN ('completed', 'failed', 'cancelled', 'interrupted') THEN @now ELSE NULL END,
         progress = CASE WHEN @status = 'completed' THEN 1 ELSE progress END,
         result_json = coalesce(@result, result_json), error_json = @error, updated_at = @now
       WHERE id = @id`,
    );
  }

  create(kind: string, params: unknown, runId: number | null = null): number {
    const info = this.insertStmt.run({ kind, params: JSON.stringify(params ?? {}), runId, now: now() });
    return Number(info.lastInsertRowid);
  }

  get(id: number, metrics?: Record<string, number>): JobView | null {
    const row = this.getStmt.get(id) as JobRow | undefined;
    return row ? toView(row, metrics) : null;
  }

  list(limit = 50): JobView[] {
    return (this.listStmt.all(limit) as JobRow[]).map((row) => toView(row));
  }

  setProgress(id: number, progress: number, message: string, etaSeconds: number | null): void {
    this.progressStmt.run({ id, progress, message, eta: etaSeconds, now: now() });
  }

  setStatus(
    id: number,
    status: JobStatus,
    extra: { message?: string; pid?: number | null; result?: unknown; error?: SerializedError | null } = {},
  ): void {
    this.statusStmt.run({
      id,
      status,
      message: extra.message ?? null,
      pid: extra.pid ?? null,
      result: extra.result === undefined ? null : JSON.stringify(extra.result),
      error: extra.error ? JSON.stringify(extra.error) : null,
      now: now(),
    });
  }

  /**
   * Jobs left queued or running by a process that is gone (the app was killed or crashed) are
   * marked interrupted, so the user sees them and can resume them. A job whose worker is still
   * alive belongs to another open instance (say the CLI beside the desktop app) and is left alone.
   */
  markOrphansInterrupted(isAlive: (pid: number) => boolean): number {
    const active = this.db.prepare("SELECT id, pid FROM jobs WHERE status IN ('queued', 'running')").all() as {
      id: number;
      pid: number | null;
    }[];
    const orphans = active.filter((job) => job.pid === null || !isAlive(job.pid));
    const mark = this.db.prepare(
      `UPDATE jobs SET status = 'interrupted', finished_at = @now, updated_at = @now,
         message = 'The app stopped while this job was running; resume it to continue.'
       WHERE id = @id`,
    );
    this.db.transaction(() => {
      for (const job of orphans) mark.run({ id: job.id, now: now() });
    })();
    return orphans.length;
  }
}
