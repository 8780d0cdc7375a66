import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportResult } from '../../../src-main/import/import-pipeline.js';
import { JobRunner } from '../../../src-main/jobs/job-runner.js';
import { imageDetail, queryImages } from '../../../src-main/project/images.js';
import { labelSetStats } from '../../../src-main/project/label-stats.js';
import { Project } from '../../../src-main/project/project.js';
import { createPatientSplit, summarizeSplit } from '../../../src-main/project/splits.js';
import { summarizeProject } from '../../../src-main/project/summary.js';
import { makeOlivesTree, type OlivesTreeFacts } from '../../fixtures/olives/make-olives-tree.js';
import { runOctdino } from '../../fixtures/run-cli.js';
import { makeTempDir } from '../../fixtures/temp-dir.js';

/** The whole OLIVES path end to end: layout + label CSV + clinical XLSX through the import job. */
describe('importing an OLIVES release', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let facts: OlivesTreeFacts;
  let project: Project;
  let runner: JobRunner;
  let result: ImportResult;

  beforeAll(async () => {
    temp = makeTempDir('octdino-olives-import-');
    facts = await makeOlivesTree(path.join(temp.dir, 'OLIVES'));
    project = Project.create(path.join(temp.dir, 'project'));
    runner = new JobRunner(project);
    const job = await runner.waitFor(
      runner.start('import', { kind: 'olives', root: facts.root, labels: facts.labelsCsv, clinical: facts.clinicalXlsx }).id,
    );
    expect(job.status, JSON.stringify(job.error)).toBe('completed');
    result = job.result as ImportResult;
  });
  afterAll(() => {
    runner.shutdown();
    project.close();
    temp.cleanup();
  });

  it('imports every B-scan with its patient, eye, visit and slice; fundus and .npy are left out with reasons', () => {
    expect(result.added).toBe(facts.images.size);
    expect(result.failed).toEqual([]);
    const counts = summarizeProject(project).counts;
    expect(counts.images).toBe(facts.images.size);
    expect(counts.patients).toBe(new Set([...facts.images.values()].map((i) => i.patient)).size);
    for (const skipped of facts.skipped) {
      expect(result.skippedFiles.find((s) => s.relPath === skipped.relPath)?.reason, skipped.relPath).toContain(skipped.reasonIncludes);
    }
    const items = queryImages(project.db, {}, 0, 10_000).items;
    for (const item of items) {
      const expected = facts.images.get(item.relPath);
      expect({ patient: item.patient, eye: item.eye, visit: item.visit, slice: item.sliceIndex }, item.relPath).toEqual({
        patient: expected?.patient,
        eye: expected?.eye,
        visit: expected?.visit,
        slice: expected?.sliceIndex,
      });
    }
  });

  it('reports label rows whose image is missing and images without a row', () => {
    const missing = result.rowsWithoutImage.map((r) => [path.basename(r.file), r.path, r.line]);
    expect(missing).toEqual(
      expect.arrayContaining([
        ...facts.missingLabelRows.map((r) => [path.basename(facts.labelsCsv), r.path, r.line]),
        ...facts.missingClinicalRows.map((r) => [path.basename(facts.clinicalXlsx), r.path, r.line]),
      ]),
    );
    expect(missing).toHaveLength(facts.missingLabelRows.length + facts.missingClinicalRows.length);
    expect(result.imagesWithoutLabels).toBe(facts.unlabelled.length);
  });

  it('stores the biomarkers as a label set where blank is unknown, never absent', () => {
    const set = labelSetStats(project.db).find((s) => s.name === 'OLIVES biomarkers');
    expect(set?.labels).toHaveLength(16);
    const item = queryImages(project.db, {}, 0, 10_000).items.find((i) => i.relPath === facts.blankCell.relPath);
    const detail = imageDetail(project.db, item?.id ?? -1);
    expect(detail?.labels.find((l) => l.label === facts.blankCell.biomarker)).toBeUndefined();
    expect(detail?.labels.length).toBe(15);
    for (const label of set?.labels ?? []) expect(label.positive + label.negative + label.unknown).toBe(facts.images.size);
  });

  it('keeps BCVA and CST as clinical values', () => {
    const [relPath, expected] = [...facts.images].find(([, e]) => e.clinical?.BCVA !== undefined) ?? [];
    const item = queryImages(project.db, {}, 0, 10_000).items.find((i) => i.relPath === relPath);
    const clinical = Object.fromEntries((imageDetail(project.db, item?.id ?? -1)?.clinical ?? []).map((c) => [c.name, c.value]));
    expect(clinical.BCVA).toBe(expected?.clinical?.BCVA);
    expect(clinical.CST).toBe(expected?.clinical?.CST);
  });

  it('splits by patient, stratified on the biomarkers, reproducibly', () => {
    const set = labelSetStats(project.db).find((s) => s.name === 'OLIVES biomarkers');
    const a = createPatientSplit(project.db, { name: 'a', seed: 3, fractions: { train: 0.6, val: 0.2, test: 0.2 }, labelSetId: set?.id ?? null });
    const b = createPatientSplit(project.db, { name: 'b', seed: 3, fractions: { train: 0.6, val: 0.2, test: 0.2 }, labelSetId: set?.id ?? null });
    expect(a.strategy).toBe('patient-stratified');
    expect(a.subsets).toEqual(summarizeSplit(project.db, b.id).subsets);
    // No patient is in two subsets, by construction of the table's primary key; and every image is covered.
    const images = a.subsets.train.images + a.subsets.val.images + a.subsets.test.images;
    expect(images + a.unassignedImages).toBe(facts.images.size);
    expect(a.unassignedImages).toBe(0);
  });

  it('takes the official train/test split files: test patients stay test, validation comes out of train', () => {
    const patients = [...new Set([...facts.images.values()].map((i) => i.patient))].sort();
    const testPatients = new Set(patients.slice(0, 1));
    const rows = (part: 'train' | 'test') =>
      [...facts.images]
        .filter(([, image]) => testPatients.has(image.patient) === (part === 'test'))
        .map(([relPath, image]) => `/${relPath.replace(/^Prime_FULL\/Prime_FULL\//, 'Prime_FULL/')},1,${image.patient}`);
    const train = path.join(temp.dir, 'train.csv');
    const test = path.join(temp.dir, 'test.csv');
    writeFileSync(train, ['File_Path,BCVA,Patient_ID', ...rows('train')].join('\n'));
    writeFileSync(test, ['File_Path,BCVA,Patient_ID', ...rows('test')].join('\n'));
    const out = runOctdino(['split', '--project', project.dir, '--olives-train', train, '--olives-test', test, '--val', '0.3', '--json']);
    expect(out.status, out.stderr).toBe(0);
    const split = JSON.parse(out.stdout) as { strategy: string; subsets: Record<string, { patients: number }> };
    expect(split.strategy).toBe('official-train-test');
    expect(split.subsets.test?.patients).toBe(1);
    expect(split.subsets.val?.patients).toBeGreaterThanOrEqual(1);
    expect((split.subsets.train?.patients ?? 0) + (split.subsets.val?.patients ?? 0)).toBe(patients.length - 1);

    // A split that puts one patient on both sides (eye-disjoint only) is refused.
    writeFileSync(test, ['File_Path,BCVA,Patient_ID', ...rows('test'), rows('train')[0]].join('\n'));
    const leaky = runOctdino(['split', '--project', project.dir, '--olives-train', train, '--olives-test', test]);
    expect(leaky.status).toBe(1);
    expect(leaky.stderr).toMatch(/in both train and test.*would leak/);
  });

  it('is idempotent: importing the release again adds nothing', async () => {
    const job = await runner.waitFor(runner.start('import', { kind: 'olives', root: facts.root, labels: facts.labelsCsv, clinical: facts.clinicalCsv }).id);
    expect(job.result).toMatchObject({ added: 0, skipped: facts.images.size });
  });
});
