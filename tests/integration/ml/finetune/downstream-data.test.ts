/**
 * Selecting the labelled images of a label set on a real project database: split by patient,
 * truth from effective_annotations, single-label filtering, nested label budgets, errors, hash.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DownstreamDataError, findLabelSet, selectDownstreamData, type DownstreamData } from '../../../../src-main/ml/finetune/downstream-data.js';
import type { LabelBudget } from '../../../../src-main/ml/pipeline/pipeline-params.js';
import { makeTempDir } from '../../../fixtures/temp-dir.js';
import { CLASSES, createLabelledProject, expectedClass, expectedMulti, imagesOf, MULTI_LABELS, NOW, PATIENT_CODES, subsetOf, type LabelledProject } from '../../../fixtures/labelled-project.js';

let temp: ReturnType<typeof makeTempDir>;
let lp: LabelledProject;
beforeAll(() => {
  temp = makeTempDir('octdino-downstream-');
  lp = createLabelledProject(path.join(temp.dir, 'p'));
});
afterAll(() => {
  lp?.project.close();
  temp?.cleanup();
});

const select = (budget: LabelBudget, seed = 0, labelSet = 'Biomarkers'): DownstreamData => selectDownstreamData(lp.db, { labelSet, splitId: lp.splitId, budget, seed });
const ALL: LabelBudget = { kind: 'fraction', value: 1 };
const TRAIN_PATIENTS = PATIENT_CODES.map((_, p) => p).filter((p) => subsetOf(p) === 'train');
/** Expected multi-label images of a subset, by (patient, slice), in image-id order. */
function expectedImages(subset: 'train' | 'val' | 'test'): [number, number][] {
  const out: [number, number][] = [];
  PATIENT_CODES.forEach((_, p) => {
    if (subsetOf(p) !== subset) return;
    for (let s = 0; s < imagesOf(p); s++) if (MULTI_LABELS.some((__, l) => expectedMulti(p, s, l) >= 0)) out.push([p, s]);
  });
  return out;
}
const patientsOf = (d: DownstreamData['train']): Set<number> => new Set(d.patients.map((id) => lp.patientIndex.get(id)!));

describe('findLabelSet', () => {
  it('finds a set by name with its labels in order, else prefers a multi-label set with annotations', () => {
    expect(findLabelSet(lp.db, 'Grade')).toEqual({ id: lp.singleSetId, name: 'Grade', kind: 'single_label', labels: CLASSES.map((name, i) => ({ id: lp.classIds[i], name })) });
    expect(findLabelSet(lp.db).name).toBe('Biomarkers');
  });

  it('an unknown label set is a DownstreamDataError naming the sets there are', () => {
    expect(() => findLabelSet(lp.db, 'Nope')).toThrow(DownstreamDataError);
    expect(() => findLabelSet(lp.db, 'Nope')).toThrow('No label set "Nope" in this project (it has "Biomarkers", "Grade").');
    expect(() => selectDownstreamData(lp.db, { labelSetId: 999, splitId: lp.splitId, budget: ALL, seed: 0 })).toThrow(/No label set 999/);
  });
});

describe('selectDownstreamData: subsets and truth', () => {
  it('multi-label: train / val / test by the split’s patients, truth from effective_annotations (human over import, uncertain → −1)', () => {
    const d = select(ALL);
    expect(d.labelSet.kind).toBe('multi_label');
    for (const subset of ['train', 'val', 'test'] as const) {
      const want = expectedImages(subset);
      const got = d[subset];
      expect(got.imageIds, subset).toEqual(want.map(([p, s]) => lp.imageId(p, s)));
      expect(got.truth).toBeInstanceOf(Int8Array);
      expect(Array.from(got.truth), subset).toEqual(want.flatMap(([p, s]) => MULTI_LABELS.map((_, l) => expectedMulti(p, s, l))));
      expect(got.patients).toEqual(want.map(([p]) => lp.patientId(p)));
      for (const p of patientsOf(got)) expect(subsetOf(p)).toBe(subset);
    }
    // The fixture does exercise every case: a human "present" over an import, a human "uncertain", missing labels.
    const train = Array.from(d.train.truth);
    expect(train).toContain(-1);
    expect(expectedMulti(3, 0, 0)).toBe(1);
    expect(expectedMulti(0, 0, 0)).toBe(-1);
  });

  it('slots are the images’ cache offsets; uncached and failed images are left out', () => {
    const d = select(ALL);
    const slotOf = lp.db.prepare('SELECT cache_offset FROM images WHERE id = ?').pluck();
    d.train.imageIds.forEach((id, i) => expect(d.train.slots[i]).toBe(slotOf.get(id)));
    const excluded = lp.db.prepare("SELECT id FROM images WHERE rel_path IN ('P01/uncached.png', 'P01/broken.png')").pluck().all() as number[];
    expect(excluded).toHaveLength(2);
    for (const id of excluded) expect(d.train.imageIds).not.toContain(id);
  });

  it('single-label: exactly one present class per image, others excluded; truth is the class index', () => {
    const d = select(ALL, 0, 'Grade');
    expect(d.labelSet.kind).toBe('single_label');
    for (const subset of ['train', 'val', 'test'] as const) {
      const want: [number, number][] = [];
      PATIENT_CODES.forEach((_, p) => {
        if (subsetOf(p) === subset) for (let s = 0; s < imagesOf(p); s++) if (expectedClass(p, s) >= 0) want.push([p, s]);
      });
      expect(d[subset].imageIds).toEqual(want.map(([p, s]) => lp.imageId(p, s)));
      expect(d[subset].truth).toBeInstanceOf(Int32Array);
      expect(Array.from(d[subset].truth)).toEqual(want.map(([p, s]) => expectedClass(p, s)));
    }
    expect(d.train.imageIds).not.toContain(lp.imageId(5, 0)); // two classes present
    expect(d.train.imageIds).not.toContain(lp.imageId(1, 3)); // none present
  });
});

describe('selectDownstreamData: label budgets', () => {
  const available = expectedImages('train');
  const imagesByPatient = (p: number): number => available.filter(([q]) => q === p).length;

  it('a fraction takes ⌈f · P⌉ whole patients', () => {
    for (const f of [0.1, 0.25, 0.5, 0.8, 1]) {
      const d = select({ kind: 'fraction', value: f }, 2);
      const chosen = patientsOf(d.train);
      const want = Math.ceil(f * TRAIN_PATIENTS.length);
      expect(chosen.size, `f = ${f}`).toBe(want);
      expect(d.budget).toEqual({ kind: 'fraction', value: f, patients: want, images: d.train.imageIds.length, availablePatients: 8, availableImages: available.length });
      // Whole patients: every labelled training image of a chosen patient is in.
      const total = [...chosen].reduce((s, p) => s + imagesByPatient(p), 0);
      expect(d.train.imageIds.length).toBe(total);
    }
  });

  it('a count takes whole patients in the seeded order and cuts the last one', () => {
    for (const count of [1, 4, 7, 11, 100]) {
      const d = select({ kind: 'count', value: count }, 5);
      const n = Math.min(count, available.length);
      expect(d.train.imageIds.length, `count ${count}`).toBe(n);
      expect(d.budget.images).toBe(n);
      const chosen = patientsOf(d.train);
      expect(d.budget.patients).toBe(chosen.size);
      const partial = [...chosen].filter((p) => d.train.patients.filter((id) => lp.patientIndex.get(id) === p).length < imagesByPatient(p));
      expect(partial.length, `count ${count}`).toBeLessThanOrEqual(1);
      // Patients in the order of the full shuffle: the count's patients are the shortest prefix that holds `count` images.
      const order = orderOfSeed(5);
      let k = 0;
      let sum = 0;
      while (sum < n) sum += imagesByPatient(order[k++]!);
      expect(chosen).toEqual(new Set(order.slice(0, k)));
    }
  });

  /** The seeded patient order, read from fraction budgets (each adds one patient). */
  function orderOfSeed(seed: number): number[] {
    const order: number[] = [];
    for (let k = 1; k <= TRAIN_PATIENTS.length; k++) {
      const chosen = patientsOf(select({ kind: 'fraction', value: k / TRAIN_PATIENTS.length }, seed).train);
      const added = [...chosen].filter((p) => !order.includes(p));
      expect(added).toHaveLength(1);
      order.push(added[0]!);
    }
    return order;
  }

  it('smaller budgets of a seed are subsets of larger ones (fractions and counts); other seeds draw other patients', () => {
    for (const seed of [0, 1, 7]) {
      const budgets: LabelBudget[] = [
        { kind: 'count', value: 2 },
        { kind: 'fraction', value: 0.25 },
        { kind: 'count', value: 9 },
        { kind: 'fraction', value: 0.5 },
        { kind: 'fraction', value: 0.75 },
        { kind: 'count', value: 20 },
        ALL,
      ];
      const sets = budgets.map((b) => new Set(select(b, seed).train.imageIds));
      for (let i = 1; i < sets.length; i++) for (const id of sets[i - 1]!) expect(sets[i]!.has(id), `seed ${seed}: ${JSON.stringify(budgets[i - 1])} ⊂ ${JSON.stringify(budgets[i])}`).toBe(true);
    }
    const draws = new Set([0, 1, 2, 3, 4, 5].map((seed) => JSON.stringify([...patientsOf(select({ kind: 'fraction', value: 0.25 }, seed).train)].sort())));
    expect(draws.size).toBeGreaterThan(2);
    // The same seed draws the same.
    expect(select({ kind: 'count', value: 6 }, 3).train.imageIds).toEqual(select({ kind: 'count', value: 6 }, 3).train.imageIds);
  });

  it('never takes validation or test patients, and keeps val / test whole at every budget', () => {
    const full = select(ALL);
    for (const budget of [{ kind: 'count', value: 3 }, { kind: 'fraction', value: 0.3 }, ALL] as LabelBudget[]) {
      for (const seed of [0, 9]) {
        const d = select(budget, seed);
        for (const p of patientsOf(d.train)) expect(subsetOf(p)).toBe('train');
        expect(d.val.imageIds).toEqual(full.val.imageIds);
        expect(d.test.imageIds).toEqual(full.test.imageIds);
      }
    }
  });
});

describe('selectDownstreamData: errors and the data hash', () => {
  it('names what is missing when val or test have no labelled images', () => {
    // A second split: the val patients become train, so val is empty; a patient with no labels goes to test.
    const db = lp.db;
    const pid = Number(db.prepare('INSERT INTO patients (code, created_at) VALUES (?, ?)').run('P99', NOW).lastInsertRowid);
    db.prepare("INSERT INTO images (source_id, rel_path, content_hash, patient_id, status, cache_offset, imported_at) VALUES (1, 'P99/a.png', 'h99', ?, 'ok', 500, ?)").run(pid, NOW);
    const split = Number(db.prepare("INSERT INTO splits (name, strategy, seed, created_at) VALUES ('no-val', 'manual', 0, ?)").run(NOW).lastInsertRowid);
    const assign = db.prepare('INSERT INTO split_assignments (split_id, patient_id, subset) VALUES (?, ?, ?)');
    PATIENT_CODES.forEach((_, p) => {
      if (subsetOf(p) !== 'test') assign.run(split, lp.patientId(p), 'train');
    });
    assign.run(split, pid, 'test');
    const run = () => selectDownstreamData(db, { labelSet: 'Biomarkers', splitId: split, budget: ALL, seed: 0 });
    expect(run).toThrow(DownstreamDataError);
    expect(run).toThrow(
      'Label set "Biomarkers" with split ' + split + ': no labelled validation images (model selection needs them); no labelled test images. Label more scans, or make a split whose val and test parts contain labelled patients (octdino split).',
    );
  });

  it('the hash is stable, and changes when a label changes, or with the budget', () => {
    const h0 = select(ALL).hash;
    expect(h0).toMatch(/^[0-9a-f]{64}$/);
    expect(select(ALL).hash).toBe(h0);
    expect(select({ kind: 'fraction', value: 0.5 }).hash).not.toBe(h0);
    // Flip one imported label of a test image (the test truth is part of the data too).
    const image = lp.imageId(10, 0);
    const label = lp.multiLabelIds[1]!;
    const row = lp.db.prepare('SELECT id, value FROM annotations WHERE image_id = ? AND label_id = ? AND annotator_id = ?').get(image, label, lp.importAnnotator) as { id: number; value: string };
    const flipped = row.value === 'present' ? 'absent' : 'present';
    lp.db.prepare('UPDATE annotations SET value = ? WHERE id = ?').run(flipped, row.id);
    try {
      expect(select(ALL).hash).not.toBe(h0);
    } finally {
      lp.db.prepare('UPDATE annotations SET value = ? WHERE id = ?').run(row.value, row.id);
    }
    expect(select(ALL).hash).toBe(h0);
  });
});
