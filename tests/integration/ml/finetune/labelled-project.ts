/**
 * A small project written straight into SQLite for the downstream-data and predictions-CSV
 * tests: 12 patients with 2–4 cached B-scans each, a patient split (P01–P08 train, P09–P10
 * val, P11–P12 test), a multi-label set with imported labels, some "uncertain", some missing,
 * and human labels that override imports; a single-label set where a few images have no or
 * two classes present. The expected truth is given by plain functions so tests can state it.
 */
import path from 'node:path';
import type { SqliteDatabase } from '../../../../src-main/project/database.js';
import { Project } from '../../../../src-main/project/project.js';

export const NOW = '2026-03-01T10:00:00.000Z';
export const PATIENT_CODES = Array.from({ length: 12 }, (_, i) => `P${String(i + 1).padStart(2, '0')}`);
export const MULTI_LABELS = ['DRT', 'IRF', 'SRF'] as const;
export const CLASSES = ['normal', 'early', 'late'] as const;
export const subsetOf = (p: number): 'train' | 'val' | 'test' => (p < 8 ? 'train' : p < 10 ? 'val' : 'test');
export const imagesOf = (p: number): number => 2 + (p % 3);

type Value = 'present' | 'absent' | 'uncertain';
/** The imported multi-label value of (patient, slice, label); null = not annotated. */
export function importedValue(p: number, s: number, l: number): Value | null {
  if (l === 2 && s === 1) return null;
  if ((p + s + l) % 5 === 0) return 'uncertain';
  return (p * 3 + s + l) % 2 === 0 ? 'present' : 'absent';
}
/** A human label overriding the import on slice 0 of every third patient, label 0. */
export function humanValue(p: number, s: number, l: number): Value | null {
  if (s !== 0 || l !== 0 || p % 3 !== 0) return null;
  return p % 2 === 0 ? 'uncertain' : 'present';
}
/** The truth selectDownstreamData must give: human over import; uncertain / missing → −1. */
export function expectedMulti(p: number, s: number, l: number): number {
  const v = humanValue(p, s, l) ?? importedValue(p, s, l);
  return v === 'present' ? 1 : v === 'absent' ? 0 : -1;
}
/** The single-label class of (patient, slice); −1 where no class (slice 3) or two (p = 5, s = 0) are present. */
export function expectedClass(p: number, s: number): number {
  if (s === 3) return -1;
  if (p === 5 && s === 0) return -1;
  return (p + s) % 3;
}

export interface LabelledProject {
  project: Project;
  db: SqliteDatabase;
  sourceRoot: string;
  splitId: number;
  multiSetId: number;
  singleSetId: number;
  multiLabelIds: number[];
  classIds: number[];
  /** Image id of (patient index, slice). */
  imageId: (p: number, s: number) => number;
  patientId: (p: number) => number;
  /** Patient id → index in PATIENT_CODES. */
  patientIndex: Map<number, number>;
  importAnnotator: number;
  humanAnnotator: number;
}

export function createLabelledProject(dir: string): LabelledProject {
  const project = Project.create(dir, 'Downstream data');
  const db = project.db;
  const sourceRoot = path.join(dir, 'scans');
  const ids = db.transaction(() => {
    const sourceId = Number(db.prepare("INSERT INTO sources (kind, root_path, label, created_at) VALUES ('folder_csv', ?, 'Scans', ?)").run(sourceRoot, NOW).lastInsertRowid);
    const insertPatient = db.prepare('INSERT INTO patients (code, created_at) VALUES (?, ?)');
    const insertImage = db.prepare(
      `INSERT INTO images (source_id, rel_path, frame_index, content_hash, width, height, patient_id, slice_index, status, cache_offset, imported_at)
       VALUES (?, ?, ?, ?, 64, 48, ?, ?, 'ok', ?, ?)`,
    );
    const patientIds: number[] = [];
    const imageIds = new Map<string, number>();
    let slot = 0;
    PATIENT_CODES.forEach((code, p) => {
      const pid = Number(insertPatient.run(code, NOW).lastInsertRowid);
      patientIds.push(pid);
      for (let s = 0; s < imagesOf(p); s++) {
        // Patient 4 comes from a multi-frame file: frame s of one DICOM.
        const [rel, frame] = p === 4 ? [`${code}/volume, "odd".dcm`, s] : [`${code}/${code}_s${s}.png`, 0];
        imageIds.set(`${p}:${s}`, Number(insertImage.run(sourceId, rel, frame, `hash-${p}-${s}`, pid, s, slot++, NOW).lastInsertRowid));
      }
    });
    // Images that must never be selected: one not decoded, one without a cache slot.
    insertImage.run(sourceId, 'P01/uncached.png', 0, 'hash-uncached', patientIds[0], 9, null, NOW);
    db.prepare("INSERT INTO images (source_id, rel_path, content_hash, patient_id, status, cache_offset, imported_at) VALUES (?, 'P01/broken.png', 'x', ?, 'error', 999, ?)").run(sourceId, patientIds[0], NOW);

    const insertSet = db.prepare('INSERT INTO label_sets (name, kind, created_at) VALUES (?, ?, ?)');
    const insertLabel = db.prepare('INSERT INTO labels (label_set_id, name, position) VALUES (?, ?, ?)');
    const multiSetId = Number(insertSet.run('Biomarkers', 'multi_label', NOW).lastInsertRowid);
    const multiLabelIds = MULTI_LABELS.map((name, i) => Number(insertLabel.run(multiSetId, name, i).lastInsertRowid));
    const singleSetId = Number(insertSet.run('Grade', 'single_label', NOW).lastInsertRowid);
    const classIds = CLASSES.map((name, i) => Number(insertLabel.run(singleSetId, name, i).lastInsertRowid));
    const insertAnnotator = db.prepare('INSERT INTO annotators (name, kind, created_at) VALUES (?, ?, ?)');
    const importAnnotator = Number(insertAnnotator.run('labels.csv', 'import', NOW).lastInsertRowid);
    const humanAnnotator = Number(insertAnnotator.run('Dr. A', 'human', NOW).lastInsertRowid);
    const annotate = db.prepare('INSERT INTO annotations (image_id, label_id, annotator_id, value, source, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    PATIENT_CODES.forEach((_, p) => {
      for (let s = 0; s < imagesOf(p); s++) {
        const image = imageIds.get(`${p}:${s}`)!;
        MULTI_LABELS.forEach((__, l) => {
          const imported = importedValue(p, s, l);
          if (imported) annotate.run(image, multiLabelIds[l], importAnnotator, imported, 'import', NOW, NOW);
          const human = humanValue(p, s, l);
          if (human) annotate.run(image, multiLabelIds[l], humanAnnotator, human, 'human', NOW, NOW);
        });
        // Single-label: the chosen class present, the others absent; slice 3 has none present,
        // patient 5 slice 0 has two.
        CLASSES.forEach((__, c) => {
          const cls = expectedClass(p, s);
          const present = cls === c || (p === 5 && s === 0 && c < 2);
          annotate.run(image, classIds[c], importAnnotator, present ? 'present' : 'absent', 'import', NOW, NOW);
        });
      }
    });
    const splitId = Number(db.prepare("INSERT INTO splits (name, strategy, seed, created_at) VALUES ('main', 'patient-random', 0, ?)").run(NOW).lastInsertRowid);
    const assign = db.prepare('INSERT INTO split_assignments (split_id, patient_id, subset) VALUES (?, ?, ?)');
    patientIds.forEach((pid, p) => assign.run(splitId, pid, subsetOf(p)));
    return { splitId, multiSetId, singleSetId, multiLabelIds, classIds, patientIds, imageIds, importAnnotator, humanAnnotator };
  })();
  return {
    project,
    db,
    sourceRoot,
    splitId: ids.splitId,
    multiSetId: ids.multiSetId,
    singleSetId: ids.singleSetId,
    multiLabelIds: ids.multiLabelIds,
    classIds: ids.classIds,
    imageId: (p, s) => ids.imageIds.get(`${p}:${s}`)!,
    patientId: (p) => ids.patientIds[p]!,
    patientIndex: new Map(ids.patientIds.map((id, p) => [id, p])),
    importAnnotator: ids.importAnnotator,
    humanAnnotator: ids.humanAnnotator,
  };
}
