/**
 * The labelled images of one label set, split by patient into train / val / test, with the
 * training part cut to a label budget. Truth per image and label is what `effective_annotations`
 * says (adjudicated > human > imported > model): 1 present, 0 absent, −1 unknown ("uncertain"
 * or not annotated), and unknown entries are masked out of losses and metrics.
 *
 * The budget draws whole patients in a seeded order, so a smaller budget of the same seed is a
 * subset of a larger one (a label-efficiency curve then adds labels, it does not reshuffle
 * them). Validation and test stay whole: model selection and the final numbers use the same
 * patients at every budget, so points of the curve are comparable.
 */
import { createHash } from 'node:crypto';
import type { SqliteDatabase } from '../../project/database.js';
import { createRng, shuffled, type Rng } from '../../random/rng.js';
import type { LabelBudget } from '../pipeline/pipeline-params.js';

export type TaskKind = 'multi_label' | 'single_label';

export interface DownstreamLabelSet {
  id: number;
  name: string;
  kind: TaskKind;
  labels: { id: number; name: string }[];
}

export interface LabelledSubset {
  imageIds: number[];
  /** Training-cache slot per image. */
  slots: number[];
  patients: number[];
  /** multi_label: [n · L] of 1/0/−1; single_label: [n] class index (every image has one). */
  truth: Int8Array | Int32Array;
}

export interface ResolvedBudget {
  kind: LabelBudget['kind'];
  value: number;
  /** Labelled training patients and images actually used. */
  patients: number;
  images: number;
  /** Of how many labelled training patients / images. */
  availablePatients: number;
  availableImages: number;
}

export interface DownstreamData {
  labelSet: DownstreamLabelSet;
  splitId: number;
  train: LabelledSubset;
  val: LabelledSubset;
  test: LabelledSubset;
  budget: ResolvedBudget;
  /** SHA-256 over (subset, image id, content hash, truth): identifies the data of an arm. */
  hash: string;
}

export class DownstreamDataError extends Error {
  override readonly name = 'DownstreamDataError';
}

/** The label set by name, else the first with annotations (multi-label preferred). */
export function findLabelSet(db: SqliteDatabase, name?: string): DownstreamLabelSet {
  const row = (
    name !== undefined
      ? db.prepare('SELECT id, name, kind FROM label_sets WHERE name = ?').get(name)
      : db
          .prepare(
            `SELECT s.id, s.name, s.kind FROM label_sets s
             WHERE EXISTS (SELECT 1 FROM labels l JOIN annotations a ON a.label_id = l.id WHERE l.label_set_id = s.id)
             ORDER BY CASE s.kind WHEN 'multi_label' THEN 0 ELSE 1 END, s.id LIMIT 1`,
          )
          .get()
  ) as { id: number; name: string; kind: TaskKind } | undefined;
  if (!row) {
    const names = (db.prepare('SELECT name FROM label_sets ORDER BY id').pluck().all() as string[]).map((n) => `"${n}"`);
    throw new DownstreamDataError(
      name !== undefined
        ? `No label set "${name}" in this project${names.length ? ` (it has ${names.join(', ')})` : ''}.`
        : 'The project has no labelled images: import labels or annotate some scans first.',
    );
  }
  const labels = db.prepare('SELECT id, name FROM labels WHERE label_set_id = ? ORDER BY position').all(row.id) as { id: number; name: string }[];
  return { ...row, labels };
}

interface Labelled {
  id: number;
  slot: number;
  patient: number;
  hash: string;
  subset: 'train' | 'val' | 'test';
  values: Int8Array;
}

export function selectDownstreamData(db: SqliteDatabase, opts: { labelSet?: string; labelSetId?: number; splitId: number; budget: LabelBudget; seed: number }): DownstreamData {
  const labelSet = opts.labelSetId !== undefined ? labelSetById(db, opts.labelSetId) : findLabelSet(db, opts.labelSet);
  const L = labelSet.labels.length;
  const rows = db
    .prepare(
      `SELECT i.id, i.cache_offset AS slot, i.patient_id AS patient, i.content_hash AS hash, sa.subset,
              e.label_id AS labelId, e.value
       FROM effective_annotations e
       JOIN labels l ON l.id = e.label_id
       JOIN images i ON i.id = e.image_id
       JOIN split_assignments sa ON sa.split_id = @split AND sa.patient_id = i.patient_id
       WHERE l.label_set_id = @set AND e.value IN ('present', 'absent')
         AND i.status = 'ok' AND i.cache_offset IS NOT NULL
       ORDER BY i.id`,
    )
    .all({ set: labelSet.id, split: opts.splitId }) as { id: number; slot: number; patient: number; hash: string; subset: Labelled['subset']; labelId: number; value: string }[];
  const position = new Map(labelSet.labels.map((l, p) => [l.id, p]));
  const byImage = new Map<number, Labelled>();
  for (const row of rows) {
    let im = byImage.get(row.id);
    if (!im) {
      im = { id: row.id, slot: row.slot, patient: row.patient, hash: row.hash, subset: row.subset, values: new Int8Array(L).fill(-1) };
      byImage.set(row.id, im);
    }
    const p = position.get(row.labelId);
    if (p !== undefined) im.values[p] = row.value === 'present' ? 1 : 0;
  }
  let images = [...byImage.values()];
  if (labelSet.kind === 'single_label') images = images.filter((im) => singleClass(im.values) >= 0);
  const bySubset = (s: Labelled['subset']): Labelled[] => images.filter((im) => im.subset === s);
  const trainPool = bySubset('train');
  const val = bySubset('val');
  const test = bySubset('test');
  const problems: string[] = [];
  if (trainPool.length === 0) problems.push('no labelled training images');
  if (val.length === 0) problems.push('no labelled validation images (model selection needs them)');
  if (test.length === 0) problems.push('no labelled test images');
  if (problems.length > 0) {
    throw new DownstreamDataError(
      `Label set "${labelSet.name}" with split ${opts.splitId}: ${problems.join('; ')}. Label more scans, or make a split whose val and test parts contain labelled patients (octdino split).`,
    );
  }
  const { chosen, budget } = applyBudget(trainPool, opts.budget, createRng(opts.seed).fork('label-budget'));
  const subset = (list: Labelled[]): LabelledSubset => ({
    imageIds: list.map((im) => im.id),
    slots: list.map((im) => im.slot),
    patients: list.map((im) => im.patient),
    truth: labelSet.kind === 'multi_label' ? concatValues(list, L) : Int32Array.from(list, (im) => singleClass(im.values)),
  });
  const digest = createHash('sha256');
  for (const [name, list] of [['train', chosen], ['val', val], ['test', test]] as const) {
    for (const im of list) digest.update(`${name}:${im.id}:${im.hash}:${im.values.join(',')}\n`);
  }
  return { labelSet, splitId: opts.splitId, train: subset(chosen), val: subset(val), test: subset(test), budget, hash: digest.digest('hex') };
}

/**
 * Whole patients in a seeded order: a fraction takes ⌈f · P⌉ of them (at least one); a count
 * takes patients until that many images are in, the last patient's images cut to fit.
 */
export function applyBudget<T extends { patient: number; id: number }>(pool: readonly T[], budget: LabelBudget, rng: Rng): { chosen: T[]; budget: ResolvedBudget } {
  const byPatient = new Map<number, T[]>();
  for (const im of pool) {
    const list = byPatient.get(im.patient) ?? [];
    list.push(im);
    byPatient.set(im.patient, list);
  }
  const order = shuffled([...byPatient.keys()].sort((a, b) => a - b), rng);
  const chosen: T[] = [];
  let patients = 0;
  if (budget.kind === 'fraction') {
    const take = Math.max(1, Math.ceil(budget.value * order.length - 1e-9));
    for (const p of order.slice(0, take)) chosen.push(...(byPatient.get(p) ?? []));
    patients = Math.min(take, order.length);
  } else {
    for (const p of order) {
      if (chosen.length >= budget.value) break;
      const list = byPatient.get(p) ?? [];
      chosen.push(...list.slice(0, budget.value - chosen.length));
      patients++;
    }
  }
  chosen.sort((a, b) => a.id - b.id);
  return {
    chosen,
    budget: { kind: budget.kind, value: budget.value, patients, images: chosen.length, availablePatients: order.length, availableImages: pool.length },
  };
}

function labelSetById(db: SqliteDatabase, id: number): DownstreamLabelSet {
  const row = db.prepare('SELECT name FROM label_sets WHERE id = ?').pluck().get(id) as string | undefined;
  if (row === undefined) throw new DownstreamDataError(`No label set ${id} in this project.`);
  return findLabelSet(db, row);
}

/** Single-label: the one class marked present; none or several → −1 (left out). */
export function singleClass(values: Int8Array): number {
  let found = -1;
  for (let c = 0; c < values.length; c++) {
    if (values[c] !== 1) continue;
    if (found >= 0) return -1;
    found = c;
  }
  return found;
}

/** The images' label values, one row of `numLabels` after another. */
export function concatValues(images: readonly { values: Int8Array }[], numLabels: number): Int8Array {
  const out = new Int8Array(images.length * numLabels);
  images.forEach((im, i) => out.set(im.values, i * numLabels));
  return out;
}
