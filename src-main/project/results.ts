/**
 * The read side of training results: the runs list, one run with its children, metric series,
 * the arms' comparison at a label budget, the label-efficiency curve and the predictions of one
 * evaluation. The training jobs write these rows (runs, metrics, checkpoints, evaluations,
 * predictions); this module only reads them, with bound parameters and statements prepared once
 * per connection. The JSON columns are read by results-rows.ts; the shapes returned are in
 * results-types.ts.
 */
import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from './database.js';
import { ARM_KINDS, armOf, armRank, budgetKey, childBudget, num, parseJson, readEngine, readMetrics, readSetId, readSummary, toPoint, uniqueBudgets, downsampleIndices } from './results-rows.js';
import type {
  BudgetRef,
  ChildRun,
  CheckpointItem,
  Comparison,
  ComparisonArm,
  EfficiencyCurve,
  EfficiencySeed,
  EvaluationSummary,
  MetricSeries,
  PredictionPage,
  PredictionRow,
  PredictionSort,
  RunDetail,
  RunListItem,
} from './results-types.js';
import type { RunKind, RunStatus } from './runs.js';

export type * from './results-types.js';
export { downsampleIndices, MAX_SERIES_POINTS } from './results-rows.js';

interface RunRow {
  id: number;
  kind: RunKind;
  name: string;
  status: RunStatus;
  parent_run_id: number | null;
  label_set_id: number | null;
  config_json: string;
  seed: number;
  engine_json: string | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

interface ListRow extends RunRow {
  total: number | null;
  completed: number | null;
  failed: number | null;
  running: number | null;
  latest_id: number | null;
  latest_kind: RunKind | null;
  latest_name: string | null;
  latest_status: RunStatus | null;
  child_engine_json: string | null;
}


/**
 * The effective label of the prediction `p`'s (image, label): the rule of the
 * `effective_annotations` view (migration 3) — adjudicated, else a human's, else imported, else
 * a model's; the most recent within a kind — written out as one indexed lookup
 * (annotations_identity). Through the view, SQLite cannot push a per-row image into its window
 * function and builds the label's whole window instead: a page of a 12k-image test set in a
 * 78k-image project took ~500 ms that way, ~25–80 ms this way. A test checks both agree.
 */
export const EFFECTIVE_VALUE_SQL = `(SELECT a.value FROM annotations a WHERE a.image_id = p.image_id AND a.label_id = p.label_id
   ORDER BY CASE a.source WHEN 'adjudication' THEN 0 WHEN 'human' THEN 1 WHEN 'import' THEN 2 ELSE 3 END, a.updated_at DESC, a.id DESC LIMIT 1)`;

/** Sort orders of a predictions page (fixed strings, never input). */
const PREDICTION_ORDER: Record<PredictionSort, string> = {
  confidence_desc: 'p.score DESC, p.image_id',
  confidence_asc: 'p.score ASC, p.image_id',
  // |truth − probability|, unknown truths last.
  most_wrong: "CASE p.truthValue WHEN 'present' THEN 1 - p.score WHEN 'absent' THEN p.score ELSE -1 END DESC, p.image_id",
};

const readers = new WeakMap<SqliteDatabase, ResultsReader>();

/** The reader of a connection, made once so its prepared statements are reused across calls. */
export function resultsReader(db: SqliteDatabase): ResultsReader {
  let reader = readers.get(db);
  if (!reader) {
    reader = new ResultsReader(db);
    readers.set(db, reader);
  }
  return reader;
}

/** All reads of training results for one project connection. */
export class ResultsReader {
  private readonly stmts;

  constructor(private readonly db: SqliteDatabase) {
    // A pipeline's own row has no engine (its stages pick one each): show its latest stage's.
    const listSelect = `SELECT r.*, c.total, c.completed, c.failed, c.running,
             l.id AS latest_id, l.kind AS latest_kind, l.name AS latest_name, l.status AS latest_status,
             (SELECT e.engine_json FROM runs e WHERE e.parent_run_id = r.id AND e.engine_json IS NOT NULL AND e.engine_json <> 'null'
              ORDER BY e.id DESC LIMIT 1) AS child_engine_json
      FROM runs r
      LEFT JOIN (SELECT parent_run_id, count(*) AS total, sum(status = 'completed') AS completed,
                        sum(status = 'failed') AS failed, sum(status = 'running') AS running, max(id) AS latest
                 FROM runs WHERE parent_run_id IS NOT NULL GROUP BY parent_run_id) c ON c.parent_run_id = r.id
      LEFT JOIN runs l ON l.id = c.latest`;
    this.stmts = {
      list: db.prepare(`${listSelect} WHERE r.parent_run_id IS NULL ORDER BY r.id DESC LIMIT ?`),
      one: db.prepare(`${listSelect} WHERE r.id = ?`),
      children: db.prepare('SELECT * FROM runs WHERE parent_run_id = ? ORDER BY id'),
      armChildren: db.prepare(`SELECT * FROM runs WHERE parent_run_id = ? AND kind IN (${ARM_KINDS.map(() => '?').join(', ')}) ORDER BY id`),
      latestEvaluation: db.prepare('SELECT id, subset, method, metrics_json, created_at FROM evaluations WHERE run_id = ? AND subset = ? ORDER BY id DESC LIMIT 1'),
      // A skip-scan of the (run_id, name, step) key: one seek per name. DISTINCT would read every
      // step of every metric (~80 ms for 20 metrics × 50k steps; this is ~0.03 ms).
      metricNames: db
        .prepare(
          `WITH RECURSIVE n(name) AS (
             SELECT min(name) FROM metrics WHERE run_id = @runId
             UNION ALL
             SELECT (SELECT min(name) FROM metrics WHERE run_id = @runId AND name > n.name) FROM n WHERE n.name IS NOT NULL)
           SELECT name FROM n WHERE name IS NOT NULL`,
        )
        .pluck(),
      series: db.prepare('SELECT step, value FROM metrics WHERE run_id = ? AND name = ? ORDER BY step').raw(),
      checkpoints: db.prepare(
        `SELECT id, run_id AS runId, step, epoch, kind, rel_path AS relPath, byte_size AS byteSize, created_at AS createdAt
         FROM checkpoints WHERE run_id = ? ORDER BY step, id`,
      ),
      evaluation: db.prepare(
        `SELECT e.id, e.split_id AS splitId, r.label_set_id AS labelSetId, r.config_json AS config
         FROM evaluations e JOIN runs r ON r.id = e.run_id WHERE e.id = ?`,
      ),
      labelsOfSet: db.prepare('SELECT id, name FROM labels WHERE label_set_id = ? ORDER BY position'),
      predictedLabels: db.prepare(
        `SELECT l.id, l.name FROM labels l
         WHERE l.id IN (SELECT DISTINCT label_id FROM predictions WHERE evaluation_id = ?) ORDER BY l.label_set_id, l.position`,
      ),
      countPredictions: db.prepare('SELECT count(*) FROM predictions WHERE evaluation_id = ? AND label_id = ?').pluck(),
    };
  }

  /** Top-level runs (pipelines, sweeps, stand-alone runs), newest first, with their children's counts. */
  listRuns(limit = 200): RunListItem[] {
    return (this.stmts.list.all(limit) as ListRow[]).map((row) => this.toListItem(row));
  }

  runDetail(id: number): RunDetail | null {
    const row = this.stmts.one.get(id) as ListRow | undefined;
    if (!row) return null;
    const children = (this.stmts.children.all(id) as RunRow[]).map((child) => this.toChild(child));
    const checkpoints = [id, ...children.map((c) => c.id)].flatMap((runId) => this.stmts.checkpoints.all(runId) as CheckpointItem[]);
    return {
      run: {
        ...this.toListItem(row),
        parentRunId: row.parent_run_id,
        config: parseJson(row.config_json),
        engineInfo: parseJson(row.engine_json),
        metricNames: this.stmts.metricNames.all({ runId: id }) as string[],
      },
      children,
      self: this.toChild(row),
      checkpoints,
    };
  }

  /** Metric series of a run (all of them when `names` is omitted), each thinned to ≤ 2000 points. */
  runMetrics(runId: number, names?: readonly string[]): MetricSeries[] {
    const wanted = names ?? (this.stmts.metricNames.all({ runId }) as string[]);
    return wanted.map((name) => {
      const rows = this.stmts.series.all(runId, name) as [number, number][];
      const keep = downsampleIndices(rows.length);
      return { name, total: rows.length, steps: keep.map((i) => rows[i]![0]), values: keep.map((i) => rows[i]![1]) };
    });
  }

  /**
   * The arms of a pipeline or sweep side by side on the test set: per arm, the test evaluation's
   * metrics (per label, with intervals). A sweep has one table per budget × seed: the largest
   * budget and the smallest seed unless asked otherwise.
   */
  comparison(runId: number, options: { budget?: BudgetRef; seed?: number } = {}): Comparison | null {
    const parent = this.stmts.one.get(runId) as ListRow | undefined;
    if (!parent) return null;
    const arms = this.armRuns(runId, parent);
    const budgets = uniqueBudgets(arms.map((a) => a.budget));
    const seeds = [...new Set(arms.map((a) => a.seed))].sort((a, b) => a - b);
    const budget = options.budget ?? budgets.at(-1) ?? null;
    const seed = options.seed ?? seeds[0] ?? null;
    const chosen = arms.filter((a) => (budget === null || (a.budget !== null && budgetKey(a.budget) === budgetKey(budget))) && (seed === null || a.seed === seed));
    // One run per arm at this budget and seed; a rerun after a failure supersedes the earlier one.
    const byArm = new Map<string, ComparisonArm>();
    for (const a of chosen) {
      const test = a.test;
      byArm.set(a.arm ?? a.name, { arm: a.arm ?? a.name, runId: a.id, status: a.status, seed: a.seed, budget: a.budget, evaluationId: test?.id ?? null, metrics: test?.metrics ?? null });
    }
    const labelSetId = parent.label_set_id ?? num(readSetId(parent.config_json));
    const setLabels = labelSetId === null ? [] : (this.stmts.labelsOfSet.all(labelSetId) as { name: string }[]).map((l) => l.name);
    const labels = [...setLabels];
    for (const a of byArm.values()) for (const l of a.metrics?.perLabel ?? []) if (!labels.includes(l.label)) labels.push(l.label);
    return {
      runId,
      budget: budget ? { kind: budget.kind, value: budget.value } : null,
      seed,
      budgets: budgets.map((b) => ({ kind: b.kind, value: b.value })),
      seeds,
      labels,
      arms: [...byArm.values()].sort((a, b) => armRank(a.arm) - armRank(b.arm)),
    };
  }

  /** Test macro AUROC per arm and label budget (mean over seeds, each seed's value and interval). */
  efficiencyCurve(runId: number): EfficiencyCurve | null {
    const parent = this.stmts.one.get(runId) as ListRow | undefined;
    if (!parent) return null;
    const groups = new Map<string, Map<string, { budget: BudgetRef; seeds: EfficiencySeed[] }>>();
    for (const child of this.armRuns(runId, parent)) {
      if (!child.budget || !child.arm || !child.test) continue;
      const perArm = groups.get(child.arm) ?? new Map<string, { budget: BudgetRef; seeds: EfficiencySeed[] }>();
      groups.set(child.arm, perArm);
      const key = budgetKey(child.budget);
      const point = perArm.get(key) ?? { budget: { kind: child.budget.kind, value: child.budget.value }, seeds: [] };
      perArm.set(key, point);
      const metrics = child.test.metrics;
      const seed: EfficiencySeed = {
        seed: child.seed,
        runId: child.id,
        images: child.budget.images,
        patients: child.budget.patients,
        macroAuroc: metrics?.macroAuroc ?? null,
        ci: metrics?.ci.macroAuroc ?? null,
      };
      // A rerun of the same arm, budget and seed replaces the earlier run.
      const existing = point.seeds.findIndex((s) => s.seed === seed.seed);
      if (existing >= 0) point.seeds[existing] = seed;
      else point.seeds.push(seed);
    }
    const arms = [...groups.entries()]
      .sort(([a], [b]) => armRank(a) - armRank(b))
      .map(([arm, perArm]) => ({
        arm,
        points: [...perArm.values()]
          .map(({ budget, seeds }) => toPoint(budget, seeds))
          .sort((a, b) => (a.images ?? a.budget.value) - (b.images ?? b.budget.value) || a.budget.value - b.budget.value),
      }));
    return { runId, arms };
  }

  /** One page of an evaluation's predictions for one label (the first label when none is given). */
  predictions(evaluationId: number, options: { label?: number; sort: PredictionSort; offset: number; limit: number }): PredictionPage | null {
    const evaluation = this.stmts.evaluation.get(evaluationId) as { id: number; splitId: number | null; labelSetId: number | null; config: string } | undefined;
    if (!evaluation) return null;
    const labels = this.stmts.predictedLabels.all(evaluationId) as { id: number; name: string }[];
    const labelId = options.label ?? labels[0]?.id ?? null;
    if (labelId === null) return { evaluationId, labels, labelId: null, total: 0, rows: [] };
    const labelName = labels.find((l) => l.id === labelId)?.name ?? '';
    const total = this.stmts.countPredictions.get(evaluationId, labelId) as number;
    const rows = this.predictionPage(options.sort).all({ evaluationId, labelId, splitId: evaluation.splitId, limit: options.limit, offset: options.offset }) as {
      imageId: number;
      relPath: string;
      patient: string | null;
      subset: PredictionRow['subset'];
      truthValue: string | null;
      probability: number;
    }[];
    return {
      evaluationId,
      labels,
      labelId,
      total,
      rows: rows.map((r) => ({
        imageId: r.imageId,
        relPath: r.relPath,
        fileName: r.relPath.split('/').at(-1) ?? r.relPath,
        patient: r.patient,
        subset: r.subset,
        labelId,
        label: labelName,
        truth: r.truthValue === 'present' ? 1 : r.truthValue === 'absent' ? 0 : null,
        probability: r.probability,
      })),
    };
  }

  #pageStmts = new Map<PredictionSort, Statement>();

  /** The page query for one sort order (the ORDER BY is one of three fixed strings, never input). */
  private predictionPage(sort: PredictionSort): Statement {
    let stmt = this.#pageStmts.get(sort);
    if (!stmt) {
      const order = PREDICTION_ORDER[sort];
      // The page is chosen first (only "most wrong" needs every truth to sort by); names, patients
      // and subsets are then joined for its rows only.
      const ranked =
        sort === 'most_wrong'
          ? `SELECT p.* FROM (SELECT p.image_id, p.label_id, p.score, ${EFFECTIVE_VALUE_SQL} AS truthValue
                              FROM predictions p WHERE p.evaluation_id = @evaluationId AND p.label_id = @labelId) p`
          : 'SELECT p.image_id, p.label_id, p.score FROM predictions p WHERE p.evaluation_id = @evaluationId AND p.label_id = @labelId';
      stmt = this.db.prepare(
        `WITH page AS MATERIALIZED (${ranked} ORDER BY ${order} LIMIT @limit OFFSET @offset)
         SELECT p.image_id AS imageId, i.rel_path AS relPath, pt.code AS patient, sa.subset, ${EFFECTIVE_VALUE_SQL} AS truthValue, p.score AS probability
         FROM page p
         JOIN images i ON i.id = p.image_id
         LEFT JOIN patients pt ON pt.id = i.patient_id
         LEFT JOIN split_assignments sa ON sa.split_id = @splitId AND sa.patient_id = i.patient_id
         ORDER BY ${order.replace('p.truthValue', 'truthValue')}`,
      );
      this.#pageStmts.set(sort, stmt);
    }
    return stmt;
  }

  /** The arm runs under `parentId`; a stand-alone arm run (no children) is its own one arm. */
  private armRuns(parentId: number, parent: RunRow): ChildRun[] {
    const children = (this.stmts.armChildren.all(parentId, ...ARM_KINDS) as RunRow[]).map((row) => this.toChild(row, false));
    return children.length === 0 && (ARM_KINDS as string[]).includes(parent.kind) ? [this.toChild(parent, false)] : children;
  }

  private toListItem(row: ListRow): RunListItem {
    return {
      id: row.id,
      kind: row.kind,
      name: row.name,
      status: row.status,
      error: row.error,
      labelSetId: row.label_set_id,
      seed: row.seed,
      createdAt: row.created_at,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      summary: readSummary(parseJson(row.config_json)),
      engine: readEngine(parseJson(row.engine_json) ?? parseJson(row.child_engine_json)),
      children: { total: row.total ?? 0, completed: row.completed ?? 0, failed: row.failed ?? 0, running: row.running ?? 0 },
      latestChild: row.latest_id !== null ? { id: row.latest_id, kind: row.latest_kind!, name: row.latest_name ?? '', status: row.latest_status! } : null,
    };
  }

  private toChild(row: RunRow, withNames = true): ChildRun {
    const config = parseJson(row.config_json);
    return {
      id: row.id,
      kind: row.kind,
      name: row.name,
      status: row.status,
      error: row.error,
      seed: row.seed,
      arm: armOf(row.kind, config, row.name),
      budget: childBudget(config),
      createdAt: row.created_at,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      val: this.latestEvaluation(row.id, 'val'),
      test: this.latestEvaluation(row.id, 'test'),
      metricNames: withNames ? (this.stmts.metricNames.all({ runId: row.id }) as string[]) : [],
    };
  }

  private latestEvaluation(runId: number, subset: 'val' | 'test'): EvaluationSummary | null {
    const row = this.stmts.latestEvaluation.get(runId, subset) as { id: number; subset: 'val' | 'test'; method: string; metrics_json: string; created_at: string } | undefined;
    if (!row) return null;
    const metrics = readMetrics(row.metrics_json);
    return { id: row.id, subset: row.subset, method: row.method, createdAt: row.created_at, macroAuroc: metrics?.macroAuroc ?? null, metrics };
  }
}
