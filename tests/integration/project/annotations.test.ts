import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AnnotationError, AnnotationsRepository, OLIVES_BIOMARKER_PRESET } from '../../../src-main/project/annotations.js';
import { labelSetStats } from '../../../src-main/project/label-stats.js';
import { createLabelledProject, type LabelledProject } from '../../fixtures/labelled-project.js';
import { makeTempDir } from '../../fixtures/temp-dir.js';

describe('annotations: label sets, annotators, labels, undo, adjudication, time', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let lp: LabelledProject;
  let repo: AnnotationsRepository;

  beforeEach(() => {
    temp = makeTempDir();
    lp = createLabelledProject(path.join(temp.dir, 'p'));
    repo = new AnnotationsRepository(lp.db);
  });
  afterEach(() => {
    lp.project.close();
    temp.cleanup();
  });

  it('creates label sets, offers the OLIVES six-biomarker preset once, and refuses bad definitions', () => {
    const preset = repo.addOlivesPreset();
    expect(preset.labels.map((l) => l.shortName)).toEqual(['IRHRF', 'PAVF', 'FAVF', 'VD', 'DRT', 'IRF']);
    expect(preset.labels.map((l) => l.name)).toEqual(OLIVES_BIOMARKER_PRESET.labels.map((l) => l.name));
    expect(repo.addOlivesPreset().id).toBe(preset.id);
    const grade = repo.createLabelSet({ name: 'Severity', kind: 'single_label', labels: ['mild', 'severe'] });
    expect(grade).toMatchObject({ kind: 'single_label', labels: [{ name: 'mild', position: 0 }, { name: 'severe', position: 1 }] });
    expect(() => repo.createLabelSet({ name: 'Severity', kind: 'multi_label', labels: ['x'] })).toThrow(/exists already/);
    expect(() => repo.createLabelSet({ name: 'Dup', kind: 'multi_label', labels: ['a', 'A'] })).toThrow(/given twice/);
    expect(() => repo.createLabelSet({ name: 'One', kind: 'single_label', labels: ['only'] })).toThrow(/two classes/);
  });

  it('renames, reorders and adds labels; removing an annotated label needs confirmation', () => {
    const set = repo.labelSet(lp.multiSetId);
    const [drt, irf, srf] = set.labels;
    const changed = repo.updateLabelSet(lp.multiSetId, { labels: [{ id: irf!.id, name: 'Fluid (IRF)' }, { id: drt!.id, name: 'DRT' }, { id: srf!.id, name: 'SRF' }, { name: 'PED' }] });
    expect(changed.labels.map((l) => [l.name, l.position])).toEqual([['Fluid (IRF)', 0], ['DRT', 1], ['SRF', 2], ['PED', 3]]);
    expect(() => repo.updateLabelSet(lp.multiSetId, { labels: [{ id: irf!.id, name: 'Fluid (IRF)' }] })).toThrow(AnnotationError);
    expect(repo.labelSet(lp.multiSetId).labels).toHaveLength(4); // nothing changed
    const removed = repo.updateLabelSet(lp.multiSetId, { labels: [{ id: irf!.id, name: 'Fluid (IRF)' }], removeAnnotated: true });
    expect(removed.labels.map((l) => l.name)).toEqual(['Fluid (IRF)']);
    expect(() => repo.deleteLabelSet(lp.multiSetId)).toThrow(/annotations; confirm/);
  });

  it('writes each label at once, returns what it replaced, and undo restores it exactly', () => {
    const alice = repo.ensureAnnotator('Alice');
    expect(repo.ensureAnnotator(' Alice ').id).toBe(alice.id);
    const image = lp.imageId(0, 0);
    const [drt] = lp.multiLabelIds;
    const first = repo.set({ imageId: image, labelId: drt!, annotatorId: alice.id, value: 'present' });
    expect(first).toEqual([{ imageId: image, labelId: drt, annotatorId: alice.id, previous: null, value: 'present' }]);
    const second = repo.set({ imageId: image, labelId: drt!, annotatorId: alice.id, value: 'uncertain' });
    expect(second[0]).toMatchObject({ previous: 'present', value: 'uncertain' });
    repo.revert(second);
    expect(repo.imageLabels(image, lp.multiSetId, alice.id)[0]!.mine).toBe('present');
    repo.revert(first);
    expect(repo.imageLabels(image, lp.multiSetId, alice.id)[0]!.mine).toBeNull();
    expect(lp.db.prepare('SELECT count(*) FROM annotations WHERE annotator_id = ?').pluck().get(alice.id)).toBe(0);
  });

  it('keeps one class per image in a single-label set, and undoes the whole change', () => {
    const alice = repo.ensureAnnotator('Alice');
    const image = lp.imageId(1, 0);
    const [normal, early, late] = lp.classIds;
    repo.set({ imageId: image, labelId: normal!, annotatorId: alice.id, value: 'present' });
    const change = repo.set({ imageId: image, labelId: late!, annotatorId: alice.id, value: 'present' });
    const mine = () => Object.fromEntries(repo.imageLabels(image, lp.singleSetId, alice.id).map((l) => [l.name, l.mine]));
    expect(mine()).toEqual({ normal: 'absent', early: 'absent', late: 'present' });
    repo.revert(change);
    expect(mine()).toEqual({ normal: 'present', early: 'absent', late: 'absent' });
    expect(early).toBeDefined();
  });

  it('applies one label to many images in one transaction (batch mode)', () => {
    const alice = repo.ensureAnnotator('Alice');
    const images = [lp.imageId(0, 0), lp.imageId(0, 1), lp.imageId(1, 0)];
    const changes = repo.setMany({ imageIds: images, labelId: lp.multiLabelIds[1]!, annotatorId: alice.id, value: 'absent' });
    expect(changes).toHaveLength(3);
    expect(() => repo.setMany({ imageIds: [...images, 999_999], labelId: lp.multiLabelIds[2]!, annotatorId: alice.id, value: 'present' })).toThrow(/No image 999999/);
    // The failed batch left nothing behind.
    expect(lp.db.prepare('SELECT count(*) FROM annotations WHERE annotator_id = ? AND label_id = ?').pluck().get(alice.id, lp.multiLabelIds[2])).toBe(0);
  });

  it('adjudication wins over human and imported labels, is kept apart from the reviewer’s own label, and the resolution says so', () => {
    const alice = repo.ensureAnnotator('Alice');
    const bob = repo.ensureAnnotator('Bob');
    const image = lp.imageId(2, 0);
    const label = lp.multiLabelIds[0]!;
    repo.set({ imageId: image, labelId: label, annotatorId: alice.id, value: 'present' });
    repo.set({ imageId: image, labelId: label, annotatorId: bob.id, value: 'absent' });
    expect(repo.resolution(lp.multiSetId).unresolvedDisagreements).toBeGreaterThanOrEqual(1);
    const before = repo.resolution(lp.multiSetId).unresolvedDisagreements;
    repo.set({ imageId: image, labelId: label, annotatorId: alice.id, value: 'absent', adjudicate: true });
    const labels = repo.imageLabels(image, lp.multiSetId, alice.id);
    expect(labels[0]!.mine).toBe('present'); // Alice's own label is untouched
    expect(labels[0]!.effective).toEqual({ value: 'absent', source: 'adjudication', annotator: 'Alice (adjudication)' });
    const resolution = repo.resolution(lp.multiSetId);
    expect(resolution.unresolvedDisagreements).toBe(before - 1);
    expect(resolution.bySource.adjudication).toBe(1);
    expect(resolution.bySource.import).toBeGreaterThan(0);
    // Label statistics count the adjudicated value.
    const stats = labelSetStats(lp.db).find((s) => s.id === lp.multiSetId)!;
    expect(stats.labels[0]!.positive + stats.labels[0]!.negative + stats.labels[0]!.uncertain).toBeGreaterThan(0);
  });

  it('refuses labels on behalf of an import or a model, unknown labels and unusable images', () => {
    expect(() => repo.set({ imageId: lp.imageId(0, 0), labelId: lp.multiLabelIds[0]!, annotatorId: lp.importAnnotator, value: 'present' })).toThrow(/not a human annotator/);
    expect(() => repo.set({ imageId: lp.imageId(0, 0), labelId: 123_456, annotatorId: lp.humanAnnotator, value: 'present' })).toThrow(/No label 123456/);
    const broken = lp.db.prepare("SELECT id FROM images WHERE status = 'error'").pluck().get() as number;
    expect(() => repo.set({ imageId: broken, labelId: lp.multiLabelIds[0]!, annotatorId: lp.humanAnnotator, value: 'present' })).toThrow(/No image/);
  });

  it('adds up the time an image was on screen per annotator and label set', () => {
    const alice = repo.ensureAnnotator('Alice');
    expect(repo.addTime(lp.imageId(0, 0), alice.id, lp.multiSetId, 2.5)).toBe(2.5);
    expect(repo.addTime(lp.imageId(0, 0), alice.id, lp.multiSetId, 1.25)).toBe(3.75);
    expect(() => repo.addTime(lp.imageId(0, 0), alice.id, lp.multiSetId, -1)).toThrow(/0–86400/);
  });

  it('label statistics count positive patients per label and labelled images per patient', () => {
    const stats = labelSetStats(lp.db).find((s) => s.id === lp.multiSetId)!;
    const expected = lp.db
      .prepare(
        `SELECT l.name, count(DISTINCT i.patient_id) AS n FROM effective_annotations e JOIN labels l ON l.id = e.label_id
         JOIN images i ON i.id = e.image_id WHERE l.label_set_id = ? AND e.value = 'present' GROUP BY l.id`,
      )
      .all(lp.multiSetId) as { name: string; n: number }[];
    for (const e of expected) expect(stats.labels.find((l) => l.name === e.name)!.positivePatients).toBe(e.n);
    expect(stats.patients.labelled).toBe(12);
    expect(stats.patients.imagesPerPatient).toEqual({ min: 2, median: 3, max: 4 });
  });
});

