import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqliteDatabase } from '../../../src-main/project/database.js';
import { Project } from '../../../src-main/project/project.js';
import { createLabelledProject } from '../../fixtures/labelled-project.js';
import { runOctdino } from '../../fixtures/run-cli.js';
import { makeTempDir } from '../../fixtures/temp-dir.js';

type Effective = Record<string, string>;

/** (image path tail, label) → effective value, for comparing two projects built the same way. */
function effective(db: SqliteDatabase, setId: number): Effective {
  const rows = db
    .prepare(
      `SELECT i.rel_path AS rel, i.frame_index AS frame, l.name AS label, e.value FROM effective_annotations e
       JOIN images i ON i.id = e.image_id JOIN labels l ON l.id = e.label_id WHERE l.label_set_id = ?`,
    )
    .all(setId) as { rel: string; frame: number; label: string; value: string }[];
  return Object.fromEntries(rows.map((r) => [`${r.rel}#${r.frame}:${r.label}`, r.value]));
}

describe('octdino labels export / import', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let csv: string;

  beforeAll(() => {
    temp = makeTempDir();
    createLabelledProject(path.join(temp.dir, 'source')).project.close();
    csv = path.join(temp.dir, 'biomarkers.csv');
  });
  afterAll(() => temp.cleanup());

  it('exports one row per image with uncertain and unknown written distinctly', () => {
    const r = runOctdino(['labels', 'export', '--project', path.join(temp.dir, 'source'), '--label-set', 'Biomarkers', '--out', csv, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('image_id,path,patient,eye,visit,slice,DRT,IRF,SRF');
    const images = JSON.parse(r.stdout) as { rows: number };
    expect(lines.length - 1).toBe(images.rows);
    const cells = lines.slice(1).flatMap((l) => l.split(',').slice(-3));
    expect(new Set(cells)).toEqual(new Set(['1', '0', 'uncertain', '']));
  });

  it('imports the export into a project without labels and gets the same labels back (by image id, then by path alone)', () => {
    for (const [name, transform] of [
      ['by-id', (text: string) => text],
      ['by-path', (text: string) => text.split('\n').map((l) => l.split(/,(.*)/s)[1] ?? '').join('\n')],
    ] as const) {
      const target = createLabelledProject(path.join(temp.dir, name));
      const expected = effective(target.db, target.multiSetId);
      target.db.prepare('DELETE FROM annotations').run();
      target.db.prepare('DELETE FROM labels WHERE label_set_id = ?').run(target.multiSetId);
      target.db.prepare('DELETE FROM label_sets WHERE id = ?').run(target.multiSetId);
      target.project.close();
      const file = path.join(temp.dir, `${name}.csv`);
      writeFileSync(file, transform(readFileSync(csv, 'utf8')));
      const r = runOctdino(['labels', 'import', '--project', path.join(temp.dir, name), '--file', file, '--label-set', 'Biomarkers', '--json']);
      expect(r.status, r.stderr).toBe(0);
      const result = JSON.parse(r.stdout) as { createdLabelSet: boolean; matchedRows: number; rows: number; unmatched: unknown[] };
      expect(result.createdLabelSet).toBe(true);
      expect(result.matchedRows, JSON.stringify(result.unmatched)).toBe(result.rows);
      const reopened = Project.open(path.join(temp.dir, name));
      const setId = reopened.db.prepare("SELECT id FROM label_sets WHERE name = 'Biomarkers'").pluck().get() as number;
      expect(effective(reopened.db, setId)).toEqual(expected);
      reopened.close();
    }
  });

  it('accepts OLIVES-style columns and blank-means-unknown; a bad cell names its row and column and writes nothing', () => {
    const target = path.join(temp.dir, 'by-id');
    const olives = path.join(temp.dir, 'olives.csv');
    writeFileSync(olives, ['Path (Trial/Arm/Folder/Visit/Eye/Image Name),Scan (n/49),DRT,IRF,SRF,Eye_ID,BCVA,CST,Patient_ID', 'scans/P02/P02_s1.tif,2,1.0,,0.0,1,70,300,2', 'elsewhere/missing.tif,1,1,1,1,1,70,300,9'].join('\n'));
    const ok = runOctdino(['labels', 'import', '--project', target, '--file', olives, '--label-set', 'Biomarkers', '--annotator', 'Dr. B', '--human', '--json']);
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ rows: 2, matchedRows: 1, values: 2, annotator: 'Dr. B', unmatched: [{ line: 3, reason: expect.stringMatching(/no image/) }] });
    const bad = path.join(temp.dir, 'bad.csv');
    writeFileSync(bad, ['path,DRT,IRF', 'scans/P02/P02_s0.png,1,maybe'].join('\n'));
    const r = runOctdino(['labels', 'import', '--project', target, '--file', bad, '--label-set', 'Biomarkers', '--annotator', 'Dr. C', '--human']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/line 2.*IRF.*maybe/);
    const check = Project.open(target);
    expect(check.db.prepare("SELECT count(*) FROM annotations a JOIN annotators n ON n.id = a.annotator_id WHERE n.name = 'Dr. C'").pluck().get()).toBe(0);
    check.close();
    const unknownColumn = path.join(temp.dir, 'extra.csv');
    writeFileSync(unknownColumn, ['path,DRT,PED', 'scans/P02/P02_s0.png,1,0'].join('\n'));
    const e = runOctdino(['labels', 'import', '--project', target, '--file', unknownColumn, '--label-set', 'Biomarkers']);
    expect(e.status).toBe(1);
    expect(e.stderr).toMatch(/has no label "PED"/);
  });
});
