import { cpSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planOlivesImport, type OlivesPlan } from '../../../../src-main/import/olives/index.js';
import { TableError } from '../../../../src-main/import/tabular/index.js';
import { makeOlivesTree, OLIVES_BIOMARKERS, type OlivesTreeFacts } from '../../../fixtures/olives/make-olives-tree.js';
import { makeTempDir } from '../../../fixtures/temp-dir.js';

let temp: { dir: string; cleanup: () => void };
let facts: OlivesTreeFacts;
let plan: OlivesPlan;

beforeAll(async () => {
  temp = makeTempDir('octdino-olives-');
  facts = await makeOlivesTree(path.join(temp.dir, 'OLIVES'));
  plan = await planOlivesImport(facts.root, { labelsCsv: facts.labelsCsv, clinicalFile: facts.clinicalCsv });
});

afterAll(() => temp.cleanup());

function entry(relPath: string) {
  const found = plan.entries.find((candidate) => candidate.relPath === relPath);
  if (!found) throw new Error(`no entry ${relPath}`);
  return found;
}

describe('planOlivesImport on a realistic OLIVES tree', () => {
  it('works on real 8-bit grayscale image files (tif, png and jpg volumes)', async () => {
    for (const relPath of ['Prime_FULL/Prime_FULL/02-010/W0/OD/0.tif', 'Prime_FULL/Prime_FULL/02-010/W4/OD/0.png', 'Prime_FULL/Prime_FULL/01-001/W0/OS/0.jpg']) {
      const meta = await sharp(path.join(facts.root, relPath)).metadata();
      expect({ channels: meta.channels, depth: meta.depth, width: meta.width }, relPath).toEqual({ channels: 1, depth: 'uchar', width: 63 });
    }
  });

  it('imports every B-scan once, with patient, eye, visit and slice from the layout', () => {
    expect(plan.entries).toHaveLength(facts.images.size);
    for (const e of plan.entries) {
      const expected = facts.images.get(e.relPath);
      expect(expected, e.relPath).toBeDefined();
      expect(e.format).toBe('image');
      expect({ patient: e.meta.patient, eye: e.meta.eye, visit: e.meta.visit, sliceIndex: e.meta.sliceIndex }).toEqual({
        patient: expected?.patient,
        eye: expected?.eye,
        visit: expected?.visit,
        sliceIndex: expected?.sliceIndex,
      });
    }
  });

  it('orders slices numerically (10.tif after 9.tif) and keeps relPaths relative with forward slashes', () => {
    const volume = plan.entries.filter((e) => e.relPath.startsWith('Prime_FULL/Prime_FULL/02-010/W0/OD/'));
    expect(volume.map((e) => e.meta.sliceIndex)).toEqual([...Array(volume.length).keys()]);
    expect(volume[10]?.relPath).toBe('Prime_FULL/Prime_FULL/02-010/W0/OD/10.tif');
    expect(plan.entries.every((e) => !e.relPath.includes('\\') && !path.isAbsolute(e.relPath))).toBe(true);
  });

  it('derives the TREX patient from the folder code, so both eyes of patient 0201 (two arms) share it', () => {
    expect(entry('TREX DME/GILA/0201GOD/V1/OD/TREXJ_000003.tif').meta).toMatchObject({ patient: '0201', eye: 'OD', visit: 'V1', sliceIndex: 3 });
    expect(entry('TREX DME/TREX/0201TOS/V1/OS/TREXA_000004_000011.tif').meta).toMatchObject({ patient: '0201', eye: 'OS', sliceIndex: 11 });
    expect(entry('TREX DME/Monthly/0204MOD/V3/OD/TREX_DME_000010.tif').meta).toMatchObject({ patient: '0204', sliceIndex: 10 });
  });

  it('gives every labelled image its biomarker values, matching by name stem across extensions and path spellings', () => {
    expect(plan.labelSet).toEqual({ name: 'OLIVES biomarkers', kind: 'multi_label', labels: [...OLIVES_BIOMARKERS] });
    let labelled = 0;
    for (const [relPath, expected] of facts.images) {
      if (!expected.labels) continue;
      labelled++;
      expect(entry(relPath).meta.labels ?? {}, relPath).toEqual(expected.labels);
    }
    expect(labelled).toBeGreaterThan(0);
    // The W4 volume is .png on disk while its rows say .tif.
    expect(entry('Prime_FULL/Prime_FULL/02-010/W4/OD/7.png').meta.labels).toBeDefined();
    // Rows written with backslashes, without the leading '/', with a doubled top folder, in lower case.
    for (const slice of [2, 3, 4, 5]) expect(entry(`Prime_FULL/Prime_FULL/02-010/W0/OD/${slice}.tif`).meta.labels, `slice ${slice}`).toBeDefined();
  });

  it('keeps a blank label cell unknown, never absent', () => {
    const labels = entry(facts.blankCell.relPath).meta.labels ?? {};
    expect(labels).not.toHaveProperty(facts.blankCell.biomarker);
    expect(Object.values(labels).length).toBeGreaterThan(0);
  });

  it('sets BCVA and CST from the label file, and from the clinical table for unlabelled images', () => {
    for (const [relPath, expected] of facts.images) expect(entry(relPath).meta.clinical, relPath).toEqual(expected.clinical);
  });

  it('skips fundus photographs, .npy arrays and other files with a reason, and ignores hidden files', () => {
    for (const { relPath, reasonIncludes } of facts.skipped) {
      const skipped = plan.skipped.find((s) => s.relPath === relPath);
      expect(skipped, relPath).toBeDefined();
      expect(skipped?.reason).toContain(reasonIncludes);
    }
    expect(plan.skipped.some((s) => s.relPath.includes('.DS_Store'))).toBe(false);
  });

  it('reports label rows whose image is missing with file and line, and counts images without a row', () => {
    expect(plan.rowsWithoutImage).toEqual([
      ...facts.missingLabelRows.map((row) => ({ ...row, file: facts.labelsCsv })),
      ...facts.missingClinicalRows.map((row) => ({ ...row, file: facts.clinicalCsv })),
    ]);
    expect(plan.imagesWithoutLabels).toBe(facts.unlabelled.length);
    expect(plan.imagesWithoutLabelsSample).toEqual(facts.unlabelled);
    expect(plan.warnings).toEqual([]);
  });

  it('reads the clinical XLSX to the same result as its CSV export', async () => {
    const fromXlsx = await planOlivesImport(facts.root, { labelsCsv: facts.labelsCsv, clinicalFile: facts.clinicalXlsx });
    expect(fromXlsx.entries).toEqual(plan.entries);
    expect(fromXlsx.rowsWithoutImage.map(({ path: p, line }) => ({ path: p, line }))).toEqual(plan.rowsWithoutImage.map(({ path: p, line }) => ({ path: p, line })));
  });

  it('without label files imports the same images, unlabelled, with no label set', async () => {
    const bare = await planOlivesImport(facts.root, {});
    expect(bare.entries.map((e) => e.relPath)).toEqual(plan.entries.map((e) => e.relPath));
    expect(bare.labelSet).toBeNull();
    expect(bare.entries.every((e) => e.meta.labels === undefined && e.meta.clinical === undefined)).toBe(true);
    expect(bare.imagesWithoutLabels).toBe(0);
  });
});

describe('planOlivesImport pointed at Prime_FULL itself', () => {
  it('reads paths from the trial folder on and does not list the other trial\'s rows as missing', async () => {
    const prime = await planOlivesImport(path.join(facts.root, 'Prime_FULL'), { labelsCsv: facts.labelsCsv });
    const primeImages = [...facts.images.keys()].filter((relPath) => relPath.startsWith('Prime_FULL/'));
    expect(prime.entries.map((e) => `Prime_FULL/${e.relPath}`).sort()).toEqual(primeImages.sort());
    expect(prime.entries.find((e) => e.relPath === 'Prime_FULL/02-010/W4/OD/0.png')?.meta.labels).toBeDefined();
    expect(prime.rowsWithoutImage.map((r) => r.path)).toEqual(['/Prime_FULL/02-099/W0/OD/0.tif']);
    expect(prime.warnings.join('\n')).toMatch(/rows name TREX DME images.*no TREX DME B-scans/);
  });
});

describe('planOlivesImport with problem files', () => {
  let other: { dir: string; cleanup: () => void };
  beforeAll(() => {
    other = makeTempDir('octdino-olives-bad-');
  });
  afterAll(() => other.cleanup());

  it('imports a slice stored twice (tif and png) once, preferring the tif', async () => {
    const root = path.join(other.dir, 'twice');
    cpSync(facts.root, root, { recursive: true });
    cpSync(path.join(root, 'Prime_FULL/Prime_FULL/02-010/W4/OD/3.png'), path.join(root, 'Prime_FULL/Prime_FULL/02-010/W4/OD/3.tif'));
    const twice = await planOlivesImport(root, {});
    expect(twice.entries).toHaveLength(facts.images.size);
    expect(twice.entries.some((e) => e.relPath === 'Prime_FULL/Prime_FULL/02-010/W4/OD/3.tif')).toBe(true);
    expect(twice.skipped.find((s) => s.relPath === 'Prime_FULL/Prime_FULL/02-010/W4/OD/3.png')?.reason).toMatch(/same B-scan as .*3\.tif/);
  });

  it('refuses a label file with the wrong columns, naming the missing and the found ones', async () => {
    const wrong = path.join(other.dir, 'wrong.csv');
    writeFileSync(wrong, 'Image,Label\n/Prime_FULL/02-010/W0/OD/0.tif,1\n');
    const error = await planOlivesImport(facts.root, { labelsCsv: wrong }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TableError);
    expect(String((error as Error).message)).toMatch(/wrong columns.*Path \(Trial\/Arm\/Folder\/Visit\/Eye\/Image Name\).*"Image", "Label"/);
  });

  it('refuses a label cell that is not 0, 1 or blank, naming file, line and column', async () => {
    const bad = path.join(other.dir, 'bad-cell.csv');
    writeFileSync(bad, `Path (Trial/Arm/Folder/Visit/Eye/Image Name),Scan (n/49),DRIL,Eye_ID\n/Prime_FULL/02-010/W0/OD/0.tif,1,0,57\n/Prime_FULL/02-010/W0/OD/1.tif,2,yes,57\n`);
    await expect(planOlivesImport(facts.root, { labelsCsv: bad })).rejects.toThrow(/bad-cell\.csv, line 3, column "DRIL": expected 0, 1 or blank, found "yes"/);
  });

  it('refuses a clinical table without BCVA and CST', async () => {
    const wrong = path.join(other.dir, 'clinical.csv');
    writeFileSync(wrong, 'File_Path,Eye_ID\n/Prime_FULL/02-010/W0/OD/0.tif,57\n');
    await expect(planOlivesImport(facts.root, { clinicalFile: wrong })).rejects.toThrow(/Missing "BCVA", "CST"/);
  });
});
