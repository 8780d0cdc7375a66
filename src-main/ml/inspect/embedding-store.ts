/**
 * Stored 2-D embedding maps (`cache/embedding/run-<id>-<method>.*`) and the per-image facts the
 * Inspect view colours them by, as columns (78k points travel as a few flat arrays).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Project } from '../../project/project.js';

export function embeddingFiles(project: Project, runId: number, method: string): { xy: string; ids: string; meta: string } {
  const base = path.join(project.path('cache'), 'embedding', `run-${runId}-${method}`);
  return { xy: `${base}.f32`, ids: `${base}.ids`, meta: `${base}.json` };
}

export interface EmbeddingMap {
  runId: number;
  method: string;
  imageIds: number[];
  x: number[];
  y: number[];
  patient: (string | null)[];
  eye: (string | null)[];
  visit: (string | null)[];
  subset: (string | null)[];
  /** With a label set: per label, one value per point: 1 present, 0 absent, 0.5 uncertain, null unknown. */
  labels: { name: string; values: (number | null)[] }[];
  /**
   * With a label set: the latest finished classifier of that set (test images only: only they
   * were ever scored), per label the predicted probability or null, and the decision threshold.
   */
  predictions: { runId: number; arm: string; labels: { name: string; threshold: number; values: (number | null)[] }[] } | null;
  meta: Record<string, unknown>;
}

export function readEmbeddingMap(project: Project, runId: number, method: string, labelSetId?: number): EmbeddingMap | null {
  const f = embeddingFiles(project, runId, method);
  if (!existsSync(f.meta)) return null;
  const meta = JSON.parse(readFileSync(f.meta, 'utf8')) as Record<string, unknown> & { count: number };
  const ids = readFileSync(f.ids);
  const xy = readFileSync(f.xy);
  const imageIds = Array.from(new Int32Array(ids.buffer, ids.byteOffset, meta.count));
  const coords = new Float32Array(xy.buffer, xy.byteOffset, meta.count * 2);
  const db = project.db;
  const split = db.prepare('SELECT max(id) FROM splits').pluck().get() as number | null;
  const facts = new Map(
    (
      db
        .prepare(
          `SELECT i.id, p.code AS patient, i.eye, i.visit, sa.subset FROM images i LEFT JOIN patients p ON p.id = i.patient_id
           LEFT JOIN split_assignments sa ON sa.split_id = ? AND sa.patient_id = i.patient_id`,
        )
        .all(split) as { id: number; patient: string | null; eye: string | null; visit: string | null; subset: string | null }[]
    ).map((r) => [r.id, r]),
  );
  const labels: EmbeddingMap['labels'] = [];
  if (labelSetId !== undefined) {
    const list = db.prepare('SELECT id, name FROM labels WHERE label_set_id = ? ORDER BY position').all(labelSetId) as { id: number; name: string }[];
    const values = db.prepare('SELECT image_id AS imageId, value FROM effective_annotations WHERE label_id = ?');
    const index = new Map(imageIds.map((id, i) => [id, i]));
    for (const l of list) {
      const col: (number | null)[] = new Array(imageIds.length).fill(null);
      for (const r of values.iterate(l.id) as Iterable<{ imageId: number; value: string }>) {
        const i = index.get(r.imageId);
        if (i !== undefined) col[i] = r.value === 'present' ? 1 : r.value === 'absent' ? 0 : 0.5;
      }
      labels.push({ name: l.name, values: col });
    }
  }
  const predictions = labelSetId === undefined ? null : latestPredictions(project, labelSetId, imageIds);
  const fact = (id: number) => facts.get(id);
  return {
    runId,
    method,
    imageIds,
    x: Array.from({ length: meta.count }, (_, i) => coords[2 * i]!),
    y: Array.from({ length: meta.count }, (_, i) => coords[2 * i + 1]!),
    patient: imageIds.map((id) => fact(id)?.patient ?? null),
    eye: imageIds.map((id) => fact(id)?.eye ?? null),
    visit: imageIds.map((id) => fact(id)?.visit ?? null),
    subset: imageIds.map((id) => fact(id)?.subset ?? null),
    labels,
    predictions,
    meta,
  };
}

function latestPredictions(project: Project, labelSetId: number, imageIds: readonly number[]): EmbeddingMap['predictions'] {
  const db = project.db;
  const evaluation = db
    .prepare(
      `SELECT ev.id, ev.run_id AS runId, ev.method AS arm, ev.metrics_json AS metrics FROM evaluations ev JOIN runs r ON r.id = ev.run_id
       WHERE r.label_set_id = ? AND r.status = 'completed' AND r.kind IN ('linear_probe', 'finetune', 'supervised', 'knn') AND ev.subset = 'test'
       ORDER BY ev.id DESC LIMIT 1`,
    )
    .get(labelSetId) as { id: number; runId: number; arm: string; metrics: string } | undefined;
  if (!evaluation) return null;
  const perLabel = (JSON.parse(evaluation.metrics) as { perLabel: { label: string; threshold: number | null }[] }).perLabel;
  const index = new Map(imageIds.map((id, i) => [id, i]));
  const labels = db.prepare('SELECT id, name FROM labels WHERE label_set_id = ? ORDER BY position').all(labelSetId) as { id: number; name: string }[];
  const scores = db.prepare('SELECT image_id AS imageId, score FROM predictions WHERE evaluation_id = ? AND label_id = ?');
  return {
    runId: evaluation.runId,
    arm: evaluation.arm,
    labels: labels.map((l) => {
      const values: (number | null)[] = new Array(imageIds.length).fill(null);
      for (const r of scores.iterate(evaluation.id, l.id) as Iterable<{ imageId: number; score: number }>) {
        const i = index.get(r.imageId);
        if (i !== undefined) values[i] = r.score;
      }
      // Single-label classes have no threshold: the argmax decides; 0.5 is shown as the line.
      return { name: l.name, threshold: perLabel.find((p) => p.label === l.name)?.threshold ?? 0.5, values };
    }),
  };
}
