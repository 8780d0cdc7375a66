/**
 * Train/validation/test splits by patient. Neighbouring B-scans of one volume are nearly
 * identical, so any split that is not by patient leaks test images into training; here whole
 * patients are assigned, never single images.
 *
 * Where a label set has labels, the assignment is stratified (iterative stratification at
 * patient level, after Sechidis et al. 2011): the rarest label's positive patients are placed
 * first, each into the subset that most lacks positives of that label, so every subset gets
 * its share of rare biomarkers. Ties are broken by a seeded shuffle: the same seed and data
 * give the same split.
 */
import type { SqliteDatabase } from './database.js';
import { createRng } from '../random/rng.js';

export type Subset = 'train' | 'val' | 'test';
export const SUBSETS: readonly Subset[] = ['train', 'val', 'test'];

export interface SplitOptions {
  name: string;
  seed: number;
  /** Shares of patients; must sum to 1. */
  fractions: Record<Subset, number>;
  /** Stratify on this label set's labels (present annotations of any annotator). */
  labelSetId?: number | null;
}

export interface SplitSummary {
  id: number;
  name: string;
  strategy: string;
  seed: number | null;
  createdAt: string;
  subsets: Record<Subset, { patients: number; images: number }>;
  /** Images whose patient is unknown: in no subset (usable for self-supervised pretraining only). */
  unassignedImages: number;
}

export class SplitError extends Error {
  override readonly name = 'SplitError';
}

interface PatientProfile {
  id: number;
  positives: Set<number>;
}

/** Assigns patients to subsets; pure, so it is tested without a database. */
export function assignPatients(patients: readonly PatientProfile[], fractions: Record<Subset, number>, seed: number): Map<number, Subset> {
  const total = fractions.train + fractions.val + fractions.test;
  if (Math.abs(total - 1) > 1e-6 || SUBSETS.some((s) => fractions[s] < 0)) {
    throw new SplitError(`Split fractions must be non-negative and sum to 1 (got ${SUBSETS.map((s) => fractions[s]).join(' + ')}).`);
  }
  const rng = createRng(seed);
  const order = [...patients];
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [order[i], order[j]] = [order[j] as PatientProfile, order[i] as PatientProfile];
  }
  const capacity = targetCounts(order.length, fractions);
  const assigned = new Map<number, Subset>();
  const place = (patient: PatientProfile, subset: Subset): void => {
    assigned.set(patient.id, subset);
    capacity[subset]--;
  };

  // Desired positives of each label per subset, consumed as patients are placed.
  const labelPatients = new Map<number, PatientProfile[]>();
  for (const patient of order) for (const label of patient.positives) labelPatients.set(label, [...(labelPatients.get(label) ?? []), patient]);
  const demand = new Map<number, Record<Subset, number>>();
  for (const [label, holders] of labelPatients) {
    demand.set(label, { train: holders.length * fractions.train, val: holders.length * fractions.val, test: holders.length * fractions.test });
  }
  const rarestFirst = [...labelPatients.keys()].sort((a, b) => (labelPatients.get(a)?.length ?? 0) - (labelPatients.get(b)?.length ?? 0));
  for (const label of rarestFirst) {
    for (const patient of labelPatients.get(label) ?? []) {
      if (assigned.has(patient.id)) continue;
      const want = demand.get(label) as Record<Subset, number>;
      const open = SUBSETS.filter((s) => capacity[s] > 0);
      const subset = open.reduce((best, s) => (want[s] > want[best] || (want[s] === want[best] && capacity[s] > capacity[best]) ? s : best), open[0] ?? 'train');
      place(patient, subset);
      for (const held of patient.positives) {
        const d = demand.get(held);
        if (d) d[subset]--;
      }
    }
  }
  for (const patient of order) {
    if (assigned.has(patient.id)) continue;
    const subset = SUBSETS.reduce((best, s) => (capacity[s] > capacity[best] ? s : best), 'train' as Subset);
    place(patient, subset);
  }
  return assigned;
}

/** Patient counts per subset: rounded shares, with at least one patient in each non-empty share when possible. */
function targetCounts(n: number, fractions: Record<Subset, number>): Record<Subset, number> {
  const counts = { train: Math.round(n * fractions.train), val: Math.round(n * fractions.val), test: Math.round(n * fractions.test) };
  for (const s of ['test', 'val'] as const) if (fractions[s] > 0 && counts[s] === 0 && n >= 3) counts[s] = 1;
  counts.train = n - counts.val - counts.test;
  return counts;
}

/** Creates and stores a split of all patients of the project; returns its summary. */
export function createPatientSplit(db: SqliteDatabase, options: SplitOptions): SplitSummary {
  const patientIds = db.prepare("SELECT DISTINCT patient_id FROM images WHERE patient_id IS NOT NULL AND status = 'ok'").pluck().all() as number[];
  if (patientIds.length === 0) {
    throw new SplitError('No images have a patient, so there is nothing to split by patient. Import with patient information (OLIVES, DICOM, or a CSV with a patient column).');
  }
  const positives = patientPositives(db, patientIds, options.labelSetId);
  const assignment = assignPatients(
    patientIds.map((id) => ({ id, positives: positives.get(id) ?? new Set() })),
    options.fractions,
    options.seed,
  );
  const strategy = options.labelSetId != null ? 'patient-stratified' : 'patient-random';
  return storeSplit(db, { name: options.name, strategy, seed: options.seed, config: { fractions: options.fractions, labelSetId: options.labelSetId ?? null }, assignment });
}

/** Patient positives of a label set, for stratification: patient id -> labels present. */
function patientPositives(db: SqliteDatabase, patientIds: readonly number[], labelSetId: number | null | undefined): Map<number, Set<number>> {
  const positives = new Map<number, Set<number>>(patientIds.map((id) => [id, new Set<number>()]));
  if (labelSetId == null) return positives;
  const rows = db
    .prepare(
      `SELECT DISTINCT i.patient_id AS patientId, a.label_id AS labelId FROM annotations a
       JOIN images i ON i.id = a.image_id JOIN labels l ON l.id = a.label_id
       WHERE l.label_set_id = ? AND a.value = 'present' AND i.patient_id IS NOT NULL`,
    )
    .all(labelSetId) as { patientId: number; labelId: number }[];
  for (const row of rows) positives.get(row.patientId)?.add(row.labelId);
  return positives;
}

/**
 * A split given from outside (the official OLIVES train/test files): its test patients stay
 * test, and a validation share is carved out of its training patients by patient (stratified
 * when a label set is given), since model selection must not touch the test patients.
 */
export function createSplitFromTrainTest(
  db: SqliteDatabase,
  options: { name: string; seed: number; valFraction: number; labelSetId?: number | null; parts: Map<number, 'train' | 'test'>; source: string },
): SplitSummary {
  const trainIds = [...options.parts].filter(([, part]) => part === 'train').map(([id]) => id);
  const positives = patientPositives(db, trainIds, options.labelSetId);
  const carved = assignPatients(
    trainIds.map((id) => ({ id, positives: positives.get(id) ?? new Set() })),
    { train: 1 - options.valFraction, val: options.valFraction, test: 0 },
    options.seed,
  );
  const assignment = new Map<number, Subset>();
  for (const [id, part] of options.parts) assignment.set(id, part === 'test' ? 'test' : (carved.get(id) ?? 'train'));
  return storeSplit(db, {
    name: options.name,
    strategy: 'official-train-test',
    seed: options.seed,
    config: { source: options.source, valFraction: options.valFraction, labelSetId: options.labelSetId ?? null },
    assignment,
  });
}

function storeSplit(
  db: SqliteDatabase,
  split: { name: string; strategy: string; seed: number; config: object; assignment: Map<number, Subset> },
): SplitSummary {
  const splitId = db.transaction(() => {
    const id = Number(
      db
        .prepare('INSERT INTO splits (name, strategy, seed, config_json, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(split.name, split.strategy, split.seed, JSON.stringify(split.config), new Date().toISOString()).lastInsertRowid,
    );
    const insert = db.prepare('INSERT INTO split_assignments (split_id, patient_id, subset) VALUES (?, ?, ?)');
    for (const [patientId, subset] of split.assignment) insert.run(id, patientId, subset);
    return id;
  })();
  return summarizeSplit(db, splitId);
}

export function summarizeSplit(db: SqliteDatabase, splitId: number): SplitSummary {
  const split = db.prepare('SELECT id, name, strategy, seed, created_at AS createdAt FROM splits WHERE id = ?').get(splitId) as
    | Omit<SplitSummary, 'subsets' | 'unassignedImages'>
    | undefined;
  if (!split) throw new SplitError(`No split ${splitId}.`);
  const subsets = { train: { patients: 0, images: 0 }, val: { patients: 0, images: 0 }, test: { patients: 0, images: 0 } };
  const rows = db
    .prepare(
      `SELECT sa.subset, count(DISTINCT sa.patient_id) AS patients, count(i.id) AS images
       FROM split_assignments sa LEFT JOIN images i ON i.patient_id = sa.patient_id AND i.status = 'ok'
       WHERE sa.split_id = ? GROUP BY sa.subset`,
    )
    .all(splitId) as { subset: Subset; patients: number; images: number }[];
  for (const row of rows) subsets[row.subset] = { patients: row.patients, images: row.images };
  const unassignedImages = db
    .prepare(
      `SELECT count(*) FROM images i WHERE i.status = 'ok' AND NOT EXISTS
         (SELECT 1 FROM split_assignments sa WHERE sa.split_id = ? AND sa.patient_id = i.patient_id)`,
    )
    .pluck()
    .get(splitId) as number;
  return { ...split, subsets, unassignedImages };
}

export function listSplits(db: SqliteDatabase): SplitSummary[] {
  const ids = db.prepare('SELECT id FROM splits ORDER BY id DESC').pluck().all() as number[];
  return ids.map((id) => summarizeSplit(db, id));
}
