/**
 * The dataset browser's queries on an OLIVES-sized project (78,000 images, 1,600 volumes,
 * 16 labels each): the first page, a filtered page, the count, the facets and the label
 * statistics must answer well inside the 1 s the browser has to show its first thumbnails.
 *
 *   npx tsx tests/bench/dataset-query.bench.ts
 *
 * Rows are synthesised straight into SQLite (no pixels: this measures the queries).
 */
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { imageFacets, queryImages } from '../../src-main/project/images.js';
import { labelSetStats } from '../../src-main/project/label-stats.js';
import { Project } from '../../src-main/project/project.js';
import { createPatientSplit } from '../../src-main/project/splits.js';

const IMAGES = 78_000;
const SLICES = 49;
const dir = path.join(os.tmpdir(), `octdino-bench-query-${process.pid}`);
rmSync(dir, { recursive: true, force: true });
const project = Project.create(dir);
const db = project.db;
const now = new Date().toISOString();

db.transaction(() => {
  db.prepare("INSERT INTO sources (kind, root_path, label, created_at) VALUES ('olives', '/data/OLIVES', 'OLIVES', ?)").run(now);
  db.prepare("INSERT INTO label_sets (name, kind, created_at) VALUES ('OLIVES biomarkers', 'multi_label', ?)").run(now);
  for (let l = 0; l < 16; l++) db.prepare('INSERT INTO labels (label_set_id, name, position) VALUES (1, ?, ?)').run(`B${l}`, l);
  db.prepare("INSERT INTO annotators (name, kind, created_at) VALUES ('csv', 'import', ?)").run(now);
  const patient = db.prepare('INSERT INTO patients (code, created_at) VALUES (?, ?)');
  const volume = db.prepare('INSERT INTO volumes (patient_id, eye, visit, source_id, created_at) VALUES (?, ?, ?, 1, ?)');
  const image = db.prepare(
    `INSERT INTO images (source_id, rel_path, content_hash, byte_size, width, height, bit_depth, patient_id, eye, visit, volume_id, slice_index, status, cache_offset, imported_at)
     VALUES (1, ?, ?, 250000, 504, 496, 8, ?, ?, ?, ?, ?, 'ok', ?, ?)`,
  );
  const annotation = db.prepare("INSERT INTO annotations (image_id, label_id, annotator_id, value, source, created_at, updated_at) VALUES (?, ?, 1, ?, 'import', ?, ?)");
  const volumes = Math.ceil(IMAGES / SLICES);
  for (let p = 0; p < 96; p++) patient.run(`P${String(p).padStart(3, '0')}`, now);
  for (let v = 0; v < volumes; v++) volume.run((v % 96) + 1, v % 2 ? 'OD' : 'OS', `W${Math.floor(v / 96)}`, now);
  for (let i = 0; i < IMAGES; i++) {
    const v = Math.floor(i / SLICES);
    const id = Number(image.run(`v${v}/${i % SLICES}.tif`, i.toString(16).padStart(64, '0'), (v % 96) + 1, v % 2 ? 'OD' : 'OS', `W${Math.floor(v / 96)}`, v + 1, i % SLICES, i, now).lastInsertRowid);
    if (i < 9408) for (let l = 1; l <= 16; l++) annotation.run(id, l, (i * l) % 7 === 0 ? 'present' : 'absent', now, now);
  }
})();

function time<T>(label: string, fn: () => T): T {
  const started = performance.now();
  const result = fn();
  console.log(`${label.padEnd(44)} ${(performance.now() - started).toFixed(1).padStart(7)} ms`);
  return result;
}

console.log(`${IMAGES} images, 96 patients, ${Math.ceil(IMAGES / SLICES)} volumes, 9,408 x 16 annotations`);
time('first page (100), with total', () => queryImages(db, {}, 0, 100));
time('page in the middle (offset 39,000)', () => queryImages(db, {}, 39_000, 100));
time('filter: patient + eye', () => queryImages(db, { patient: 'P042', eye: 'OD' }, 0, 100));
time('filter: label B3 present', () => queryImages(db, { label: { id: 4, value: 'present' } }, 0, 100));
time('filter: label B3 unknown', () => queryImages(db, { label: { id: 4, value: 'unknown' } }, 0, 100));
time('filter: import errors', () => queryImages(db, { status: 'error' }, 0, 100));
time('facets', () => imageFacets(db));
time('label statistics', () => labelSetStats(db));
const split = time('stratified patient split', () => createPatientSplit(db, { name: 's', seed: 1, fractions: { train: 0.7, val: 0.15, test: 0.15 }, labelSetId: 1 }));
time('filter: split test subset', () => queryImages(db, { split: { id: split.id, subset: 'test' } }, 0, 100));
project.close();
rmSync(dir, { recursive: true, force: true });
