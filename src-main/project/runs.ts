/**
 * Runs, their per-step metrics and their checkpoints. A run row is written when training
 * starts and updated as it goes; every finished step's metrics are in SQLite the moment the
 * step ends, so a killed run loses nothing that was computed before its last step.
 */
import type { SqliteDatabase } from './database.js';

export type RunKind = 'pipeline' | 'pretrain' | 'linear_probe' | 'finetune' | 'supervised' | 'knn' | 'evaluate' | 'sweep';
export type RunStatus = 'pending' | 'running' | 'paused' | 'completed' | 'failed' | 'cancelled' | 'interrupted';

export interface RunRecord {
  id: number;
  kind: RunKind;
  name: string;
  status: RunStatus;
  parentRunId: number | null;
  splitId: number | null;
  labelSetId: number | null;
  config: unknown;
  seed: number;
  engine: unknown;
  data: unknown;
  appVersion: string;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

const now = (): string => new Date().toISOString();

export class RunsRepository {
  private readonly insertMetric;

  constructor(private readonly db: SqliteDatabase) {
    this.insertMetric = db.prepare(
      `INSERT INTO metrics (run_id, name, step, epoch, value, recorded_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id, name, step) DO UPDATE SET value = excluded.value, epoch = excluded.epoch`,
    );
  }

  create(run: { kind: RunKind; name: string; config: unknown; seed: number; appVersion: string; splitId?: number | null; labelSetId?: number | null; parentRunId?: number | null; data?: unknown }): number {
    const info = this.db
      .prepare(
        `INSERT INTO runs (kind, name, status, parent_run_id, split_id, label_set_id, config_json, seed, data_json, app_version, created_at)
         VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(run.kind, run.name, run.parentRunId ?? null, run.splitId ?? null, run.labelSetId ?? null, JSON.stringify(run.config), run.seed, run.data === undefined ? null : JSON.stringify(run.data), run.appVersion, now());
    return Number(info.lastInsertRowid);
  }

  get(id: number): RunRecord | null {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as Record<string, unknown> | undefined;
    if (!row) return null;
    const json = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : null);
    return {
      id: row.id as number,
      kind: row.kind as RunKind,
      name: row.name as string,
      status: row.status as RunStatus,
      parentRunId: row.parent_run_id as number | null,
      splitId: row.split_id as number | null,
      labelSetId: row.label_set_id as number | null,
      config: json(row.config_json),
      seed: row.seed as number,
      engine: json(row.engine_json),
      data: json(row.data_json),
      appVersion: row.app_version as string,
      error: row.error as string | null,
      createdAt: row.created_at as string,
      startedAt: row.started_at as string | null,
      finishedAt: row.finished_at as string | null,
    };
  }

  markRunning(id: number, engine: unknown): void {
    this.db
      .prepare("UPDATE runs SET status = 'running', engine_json = ?, started_at = coalesce(started_at, ?), finished_at = NULL, error = NULL WHERE id = ?")
      .run(JSON.stringify(engine), now(), id);
  }

  finish(id: number, status: Exclude<RunStatus, 'pending' | 'running'>, error: string | null = null): void {
    this.db.prepare('UPDATE runs SET status = ?, error = ?, finished_at = ? WHERE id = ?').run(status, error, now(), id);
  }

  /** One step's scalars, in one transaction. */
  recordStep(runId: number, step: number, epoch: number, values: Record<string, number>): void {
    const time = now();
    this.db.transaction(() => {
      for (const [name, value] of Object.entries(values)) if (Number.isFinite(value)) this.insertMetric.run(runId, name, step, epoch, value, time);
    })();
  }

  metric(runId: number, name: string): { step: number; value: number }[] {
    return this.db.prepare('SELECT step, value FROM metrics WHERE run_id = ? AND name = ? ORDER BY step').all(runId, name) as { step: number; value: number }[];
  }

  addCheckpoint(runId: number, checkpoint: { step: number; epoch: number; kind: 'periodic' | 'best' | 'final'; relPath: string; byteSize: number; metrics?: object }): number {
    return Number(
      this.db
        .prepare('INSERT INTO checkpoints (run_id, step, epoch, kind, rel_path, byte_size, metrics_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(runId, checkpoint.step, checkpoint.epoch, checkpoint.kind, checkpoint.relPath, checkpoint.byteSize, JSON.stringify(checkpoint.metrics ?? {}), now()).lastInsertRowid,
    );
  }

  latestCheckpoint(runId: number): { id: number; step: number; epoch: number; relPath: string; kind: string } | null {
    return (
      (this.db
        .prepare("SELECT id, step, epoch, rel_path AS relPath, kind FROM checkpoints WHERE run_id = ? AND kind IN ('periodic', 'final') ORDER BY step DESC, id DESC LIMIT 1")
        .get(runId) as { id: number; step: number; epoch: number; relPath: string; kind: string } | undefined) ?? null
    );
  }

  /** Periodic checkpoints older than the newest `keep` (their files can be deleted). */
  stalePeriodicCheckpoints(runId: number, keep: number): { id: number; relPath: string }[] {
    return this.db
      .prepare("SELECT id, rel_path AS relPath FROM checkpoints WHERE run_id = ? AND kind = 'periodic' ORDER BY step DESC, id DESC LIMIT -1 OFFSET ?")
      .all(runId, keep) as { id: number; relPath: string }[];
  }

  deleteCheckpoint(id: number): void {
    this.db.prepare('DELETE FROM checkpoints WHERE id = ?').run(id);
  }

  /** Child runs of a pipeline or sweep, oldest first. */
  children(parentRunId: number): RunRecord[] {
    const ids = this.db.prepare('SELECT id FROM runs WHERE parent_run_id = ? ORDER BY id').pluck().all(parentRunId) as number[];
    return ids.map((id) => this.get(id)).filter((r): r is RunRecord => r !== null);
  }

  updateConfig(id: number, config: unknown, data?: unknown): void {
    this.db.prepare('UPDATE runs SET config_json = ?, data_json = coalesce(?, data_json) WHERE id = ?').run(JSON.stringify(config), data === undefined ? null : JSON.stringify(data), id);
  }

  /**
   * An evaluation of a run on one subset, with its per-image, per-label scores, in one
   * transaction: a re-evaluation of the same subset and method replaces the previous one.
   */
  saveEvaluation(runId: number, e: { splitId: number | null; subset: 'train' | 'val' | 'test'; method: string; metrics: unknown; checkpointId?: number | null; predictions?: { imageIds: readonly number[]; labelIds: readonly number[]; scores: ArrayLike<number> } }): number {
    return this.db.transaction(() => {
      this.db.prepare('DELETE FROM evaluations WHERE run_id = ? AND subset = ? AND method = ?').run(runId, e.subset, e.method);
      const id = Number(
        this.db
          .prepare('INSERT INTO evaluations (run_id, checkpoint_id, split_id, subset, method, metrics_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(runId, e.checkpointId ?? null, e.splitId, e.subset, e.method, JSON.stringify(e.metrics), now()).lastInsertRowid,
      );
      const p = e.predictions;
      if (p) {
        const L = p.labelIds.length;
        if (p.scores.length !== p.imageIds.length * L) throw new Error(`predictions: ${p.scores.length} scores for ${p.imageIds.length} images × ${L} labels`);
        const insert = this.db.prepare('INSERT INTO predictions (evaluation_id, image_id, label_id, score) VALUES (?, ?, ?, ?)');
        p.imageIds.forEach((imageId, i) => {
          for (let l = 0; l < L; l++) insert.run(id, imageId, p.labelIds[l], p.scores[i * L + l]);
        });
      }
      return id;
    })();
  }

  evaluation(runId: number, subset: 'train' | 'val' | 'test'): { id: number; method: string; metrics: unknown } | null {
    const row = this.db.prepare('SELECT id, method, metrics_json FROM evaluations WHERE run_id = ? AND subset = ? ORDER BY id DESC LIMIT 1').get(runId, subset) as { id: number; method: string; metrics_json: string } | undefined;
    return row ? { id: row.id, method: row.method, metrics: JSON.parse(row.metrics_json) } : null;
  }
}
