/**
 * The predictions CSV on a real project: columns, one row per image and label in label order,
 * truth from effective_annotations (empty where unknown; 0 for the other classes of a
 * single-label image with a known class), paths with frames, RFC 4180 quoting, read back by csv-parse.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvField, PREDICTION_COLUMNS, writePredictionsCsv } from '../../../../src-main/ml/finetune/predictions-csv.js';
import { RunsRepository } from '../../../../src-main/project/runs.js';
import { makeTempDir } from '../../../fixtures/temp-dir.js';
import { CLASSES, createLabelledProject, expectedClass, expectedMulti, MULTI_LABELS, PATIENT_CODES, subsetOf, type LabelledProject } from '../../../fixtures/labelled-project.js';

let temp: ReturnType<typeof makeTempDir>;
let lp: LabelledProject;
let runs: RunsRepository;
beforeAll(() => {
  temp = makeTempDir('octdino-predictions-');
  lp = createLabelledProject(path.join(temp.dir, 'p'));
  runs = new RunsRepository(lp.db);
});
afterAll(() => {
  lp?.project.close();
  temp?.cleanup();
});

describe('csvField', () => {
  it('quotes only where RFC 4180 needs it, doubling inner quotes; null is empty', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField(0.25)).toBe('0.25');
    expect(csvField(0)).toBe('0');
    expect(csvField(null)).toBe('');
    expect(csvField('')).toBe('');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('line\nbreak')).toBe('"line\nbreak"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
    expect(csvField(' spaced ')).toBe(' spaced ');
  });
});

/** (patient, slice) pairs in image-id order. */
const PICK: [number, number][] = [
  [4, 0],
  [4, 1],
  [9, 0],
  [10, 0],
  [10, 1],
  [11, 2],
];
const score = (i: number, l: number): number => ((i * 3 + l) % 8) / 8 + 1 / 16;

function evaluationFor(labelIds: number[], method: string): { runId: number; evaluationId: number } {
  const runId = runs.create({ kind: 'linear_probe', name: method, config: {}, seed: 0, appVersion: 'test', splitId: lp.splitId });
  const imageIds = PICK.map(([p, s]) => lp.imageId(p, s));
  const evaluationId = runs.saveEvaluation(runId, {
    splitId: lp.splitId,
    subset: 'test',
    method,
    metrics: {},
    predictions: { imageIds, labelIds, scores: Float64Array.from({ length: PICK.length * labelIds.length }, (_, k) => score(Math.floor(k / labelIds.length), k % labelIds.length)) },
  });
  return { runId, evaluationId };
}
const pathOf = (p: number, s: number): string => (p === 4 ? `${path.join(lp.sourceRoot, `${PATIENT_CODES[p]}/volume, "odd".dcm`)}${s > 0 ? `#${s}` : ''}` : path.join(lp.sourceRoot, `${PATIENT_CODES[p]}/${PATIENT_CODES[p]}_s${s}.png`));

describe('writePredictionsCsv', () => {
  it('multi-label: the documented columns, one row per image and label, truth 1 / 0 / empty', async () => {
    const { evaluationId } = evaluationFor(lp.multiLabelIds, 'dino_linear');
    const file = path.join(temp.dir, 'out', 'multi.csv');
    const count = await writePredictionsCsv(lp.db, [evaluationId], file);
    expect(count).toBe(PICK.length * MULTI_LABELS.length);
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n')[0]).toBe(PREDICTION_COLUMNS.join(','));
    expect(text.split('\n')[0]).toBe('image_id,path,patient,split,label,truth,probability');
    // The multi-frame file's name has a comma and quotes: quoted in the file, intact when parsed.
    expect(text).toContain(`"${path.join(lp.sourceRoot, 'P05/volume, ""odd"".dcm')}#1"`);
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    const want = PICK.flatMap(([p, s], i) =>
      MULTI_LABELS.map((label, l) => {
        const t = expectedMulti(p, s, l);
        return { image_id: String(lp.imageId(p, s)), path: pathOf(p, s), patient: PATIENT_CODES[p]!, split: subsetOf(p), label, truth: t < 0 ? '' : String(t), probability: String(score(i, l)) };
      }),
    );
    expect(rows).toEqual(want);
    expect(rows.some((r) => r.truth === '')).toBe(true);
  });

  it('single-label: the other classes of an image with a known class are 0 even without an "absent" row', async () => {
    // Leave only the "present" annotation on one image.
    const [p, s] = [10, 1];
    const image = lp.imageId(p, s);
    const cls = expectedClass(p, s);
    lp.db.prepare("DELETE FROM annotations WHERE image_id = ? AND value = 'absent' AND label_id IN (" + lp.classIds.join(',') + ')').run(image);
    expect(lp.db.prepare('SELECT count(*) FROM annotations WHERE image_id = ? AND label_id IN (' + lp.classIds.join(',') + ')').pluck().get(image)).toBe(1);
    const { evaluationId, runId } = evaluationFor(lp.classIds, 'dino_knn');
    const file = path.join(temp.dir, 'single.csv');
    await writePredictionsCsv(lp.db, [evaluationId], file, { withRun: true });
    const rows = parse(readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0]!)).toEqual([...PREDICTION_COLUMNS, 'arm', 'run_id']);
    const mine = rows.filter((r) => r.image_id === String(image));
    expect(mine.map((r) => r.label)).toEqual([...CLASSES]);
    expect(mine.map((r) => r.truth)).toEqual(CLASSES.map((_, c) => (c === cls ? '1' : '0')));
    for (const r of rows) {
      expect(r.arm).toBe('dino_knn');
      expect(r.run_id).toBe(String(runId));
    }
    // Patient 5 slice 0 is not in PICK; slice 3 images (no class) have explicit absent rows → 0.
    expect(rows).toHaveLength(PICK.length * CLASSES.length);
  });

  it('several evaluations go into one file in the order given', async () => {
    const a = evaluationFor(lp.multiLabelIds, 'supervised');
    const b = evaluationFor(lp.multiLabelIds, 'dino_finetune');
    const file = path.join(temp.dir, 'both.csv');
    const count = await writePredictionsCsv(lp.db, [b.evaluationId, a.evaluationId], file, { withRun: true });
    expect(count).toBe(2 * PICK.length * MULTI_LABELS.length);
    const rows = parse(readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r.arm)).toEqual([...Array<string>(count / 2).fill('dino_finetune'), ...Array<string>(count / 2).fill('supervised')]);
  });
});
