/**
 * Which labelled images the online k-NN monitor uses, and with which labels: the project's
 * first multi-label label set with annotations (else its first single-label one), the value
 * that counts per image and label chosen as `label-stats.ts` does (adjudicated, else a
 * human's, else imported, else a model's; the most recent within a kind; "uncertain" counts as
 * unknown), and the split's patients: the bank is the train subset, the queries the val
 * subset. Without val patients, the train patients are halved by patient (seeded) so that no
 * patient is both bank and query. Test patients are never touched.
 */
import type { SqliteDatabase } from '../../project/database.js';
import { createRng, shuffled } from '../../random/rng.js';
import { concatValues, singleClass } from '../finetune/downstream-data.js';

export interface KnnLabelSet {
  id: number;
  name: string;
  kind: 'multi_label' | 'single_label';
  labels: string[];
}

export interface KnnImages {
  imageIds: number[];
  slots: number[];
  /** multi_label: [n · labels] of 1/0/−1; single_label: one class index per image. */
  labels: Int8Array | Int32Array;
}

export interface KnnData {
  labelSet: KnnLabelSet;
  bank: KnnImages;
  queries: KnnImages;
  /** How the queries were chosen. */
  queriesFrom: 'val' | 'train-half';
  /** Labelled images available before the caps. */
  available: { bank: number; queries: number };
}

export interface KnnDataOptions {
  seed: number;
  /** Seeded subsample caps; the monitor must stay cheap next to an epoch of training. */
  maxBank?: number;
  maxQueries?: number;
  /** Fewer labelled images than these: no monitor. */
  minBank?: number;
  minQueries?: number;
}

export const KNN_MONITOR_CAPS = Object.freeze({ maxBank: 2000, maxQueries: 1000, minBank: 8, minQueries: 4 });

/** `{ skip }` names why there is nothing to evaluate (shown once in the job's progress). */
export type KnnDataSelection = { data: KnnData; skip?: undefined } | { data?: undefined; skip: string };

interface LabelledImage {
  id: number;
  slot: number;
  patient: number;
  subset: 'train' | 'val' | 'test' | null;
  values: Int8Array;
}

export function selectKnnData(db: SqliteDatabase, splitId: number | null, opts: KnnDataOptions): KnnDataSelection {
  const caps = { ...KNN_MONITOR_CAPS, ...opts };
  const sets = db
    .prepare(
      `SELECT s.id, s.name, s.kind FROM label_sets s
       WHERE EXISTS (SELECT 1 FROM labels l JOIN annotations a ON a.label_id = l.id WHERE l.label_set_id = s.id)
       ORDER BY CASE s.kind WHEN 'multi_label' THEN 0 ELSE 1 END, s.id LIMIT 1`,
    )
    .get() as { id: number; name: string; kind: 'multi_label' | 'single_label' } | undefined;
  if (!sets) return { skip: 'no labelled images in the project' };
  const labels = db.prepare('SELECT id, name FROM labels WHERE label_set_id = ? ORDER BY position').all(sets.id) as { id: number; name: string }[];
  const labelSet: KnnLabelSet = { ...sets, labels: labels.map((l) => l.name) };
  const all = labelledImages(db, sets.id, labels.map((l) => l.id), splitId);
  const images = sets.kind === 'multi_label' ? all : all.filter((im) => singleClass(im.values) >= 0);

  const rng = createRng(opts.seed).fork('knn-monitor');
  let bankPool = images.filter((im) => im.subset === 'train');
  let queryPool = images.filter((im) => im.subset === 'val');
  let queriesFrom: KnnData['queriesFrom'] = 'val';
  if (queryPool.length === 0) {
    // No validation patients: split the training patients in two, by patient.
    const patients = shuffled([...new Set(bankPool.map((im) => im.patient))].sort((a, b) => a - b), rng.fork('halves'));
    const bankPatients = new Set(patients.slice(0, Math.ceil(patients.length / 2)));
    queryPool = bankPool.filter((im) => !bankPatients.has(im.patient));
    bankPool = bankPool.filter((im) => bankPatients.has(im.patient));
    queriesFrom = 'train-half';
  }
  const available = { bank: bankPool.length, queries: queryPool.length };
  if (bankPool.length < caps.minBank || queryPool.length < caps.minQueries) {
    return { skip: `too few labelled images for k-NN in "${labelSet.name}" (${bankPool.length} bank, ${queryPool.length} query; need ${caps.minBank} and ${caps.minQueries})` };
  }
  const pick = (pool: LabelledImage[], cap: number, label: string): LabelledImage[] =>
    pool.length <= cap ? pool : shuffled(pool, rng.fork(label)).slice(0, cap).sort((a, b) => a.id - b.id);
  const toImages = (chosen: LabelledImage[]): KnnImages => ({
    imageIds: chosen.map((im) => im.id),
    slots: chosen.map((im) => im.slot),
    labels: sets.kind === 'multi_label' ? concatValues(chosen, labels.length) : Int32Array.from(chosen, (im) => singleClass(im.values)),
  });
  const bank = toImages(pick(bankPool, caps.maxBank, 'bank'));
  const queries = toImages(pick(queryPool, caps.maxQueries, 'queries'));
  return { data: { labelSet, bank, queries, queriesFrom, available } };
}

/**
 * Images (with a cache record and a patient, not test) that have at least one known label of
 * the set, with their resolved values: 1 present, 0 absent, −1 unknown. Without a split, every
 * patient counts as train.
 */
function labelledImages(db: SqliteDatabase, labelSetId: number, labelIds: number[], splitId: number | null): LabelledImage[] {
  const rows = db
    .prepare(
      `SELECT i.id, i.cache_offset AS slot, i.patient_id AS patient,
              CASE WHEN @split IS NULL THEN 'train' ELSE sa.subset END AS subset,
              e.label_id AS labelId, e.value
       FROM effective_annotations e JOIN labels l ON l.id = e.label_id JOIN images i ON i.id = e.image_id
       LEFT JOIN split_assignments sa ON sa.split_id = @split AND sa.patient_id = i.patient_id
       WHERE l.label_set_id = @set AND e.value IN ('present', 'absent')
         AND i.status = 'ok' AND i.cache_offset IS NOT NULL AND i.patient_id IS NOT NULL
       ORDER BY i.id`,
    )
    .all({ set: labelSetId, split: splitId }) as { id: number; slot: number; patient: number; subset: LabelledImage['subset']; labelId: number; value: string }[];
  const position = new Map(labelIds.map((id, p) => [id, p]));
  const byImage = new Map<number, LabelledImage>();
  for (const row of rows) {
    if (row.subset === 'test' || row.subset === null) continue;
    let im = byImage.get(row.id);
    if (!im) {
      im = { id: row.id, slot: row.slot, patient: row.patient, subset: row.subset, values: new Int8Array(labelIds.length).fill(-1) };
      byImage.set(row.id, im);
    }
    const p = position.get(row.labelId);
    if (p !== undefined) im.values[p] = row.value === 'present' ? 1 : 0;
  }
  return [...byImage.values()];
}
