/**
 * The stored test predictions of an evaluation with the truth training uses today (the
 * effective annotation) and each image's patient: the input of the paired bootstrap and of the
 * choice of attention examples.
 */
import type { SqliteDatabase } from '../project/database.js';
import { EFFECTIVE_VALUE_SQL } from '../project/results.js';

export interface TestPrediction {
  imageId: number;
  labelId: number;
  score: number;
  patientId: number | null;
  /** 1 present, 0 absent, -1 unknown or uncertain. */
  truth: 1 | 0 | -1;
}

export function readTestPredictions(db: SqliteDatabase, evaluationId: number): TestPrediction[] {
  const rows = db
    .prepare(`SELECT p.image_id AS imageId, p.label_id AS labelId, p.score, i.patient_id AS patientId, ${EFFECTIVE_VALUE_SQL} AS value
              FROM predictions p JOIN images i ON i.id = p.image_id WHERE p.evaluation_id = ? ORDER BY p.image_id, p.label_id`)
    .all(evaluationId) as { imageId: number; labelId: number; score: number; patientId: number | null; value: string | null }[];
  return rows.map((r) => ({ imageId: r.imageId, labelId: r.labelId, score: r.score, patientId: r.patientId, truth: r.value === 'present' ? 1 : r.value === 'absent' ? 0 : -1 }));
}

/**
 * Two evaluations' predictions on the images and labels both scored, as row-major [n·L] arrays.
 * A single-label task's truth is one-vs-rest: an image with exactly one class present is 1 for
 * it and 0 for the others; any other image is unknown (as training leaves it out).
 */
export function pairPredictions(a: readonly TestPrediction[], b: readonly TestPrediction[], labelIds: readonly number[], singleLabel: boolean) {
  const key = (p: TestPrediction): string => `${p.imageId}:${p.labelId}`;
  const ofA = new Map(a.map((p) => [key(p), p]));
  const ofB = new Map(b.map((p) => [key(p), p]));
  const labels = labelIds.filter((l) => a.some((p) => p.labelId === l) && b.some((p) => p.labelId === l));
  const images = [...new Set(a.map((p) => p.imageId))].filter((i) => labels.every((l) => ofA.has(`${i}:${l}`) && ofB.has(`${i}:${l}`)));
  const L = labels.length;
  const scoresA = new Float64Array(images.length * L);
  const scoresB = new Float64Array(images.length * L);
  const truth = new Int8Array(images.length * L).fill(-1);
  const patients = new Int32Array(images.length);
  images.forEach((imageId, i) => {
    const rowA = labels.map((l) => ofA.get(`${imageId}:${l}`)!);
    // An image without a patient is its own resampling unit.
    patients[i] = rowA[0]?.patientId ?? -imageId;
    const values = rowA.map((p) => p.truth);
    const oneClass = values.filter((v) => v === 1).length === 1;
    labels.forEach((l, k) => {
      scoresA[i * L + k] = rowA[k]!.score;
      scoresB[i * L + k] = ofB.get(`${imageId}:${l}`)!.score;
      truth[i * L + k] = singleLabel ? (oneClass ? (values[k] === 1 ? 1 : 0) : -1) : values[k]!;
    });
  });
  return { labels, images, scoresA, scoresB, truth, patients };
}
