import { cpSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { thumbnailPath } from '../../../src-main/imaging/thumbnail.js';
import { TrainingCache } from '../../../src-main/imaging/training-cache.js';
import type { ImportResult } from '../../../src-main/import/import-pipeline.js';
import { JobRunner } from '../../../src-main/jobs/job-runner.js';
import { imageDetail, queryImages } from '../../../src-main/project/images.js';
import { labelSetStats } from '../../../src-main/project/label-stats.js';
import { Project } from '../../../src-main/project/project.js';
import { createPatientSplit } from '../../../src-main/project/splits.js';
import { summarizeProject } from '../../../src-main/project/summary.js';
import { writeBscanFile } from '../../fixtures/image-files.js';
import { makeTempDir } from '../../fixtures/temp-dir.js';

describe('importing image folders (real worker, real files)', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let project: Project;
  let runner: JobRunner;

  beforeEach(() => {
    temp = makeTempDir();
    project = Project.create(path.join(temp.dir, 'project'));
    runner = new JobRunner(project);
  });
  afterEach(() => {
    runner.shutdown();
    project.close();
    temp.cleanup();
  });

  async function importFolder(params: Record<string, unknown>): Promise<ImportResult> {
    const job = await runner.waitFor(runner.start('import', params).id);
    expect(job.status, JSON.stringify(job.error)).toBe('completed');
    return job.result as ImportResult;
  }

  /** A flat folder with every format, plus the awkward files a real folder has. */
  async function makeMixedFolder(dir: string): Promise<void> {
    const formats = ['png', 'png', 'tiff', 'tiff-lzw', 'jpeg', 'png16', 'tiff16', 'png-rgb'] as const;
    for (const [i, format] of formats.entries()) {
      const ext = format.startsWith('png') ? 'png' : format.startsWith('tiff') ? 'tif' : 'jpg';
      await writeBscanFile(path.join(dir, `scan-${i}.${ext}`), format, i + 1);
    }
    const good = readFileSync(path.join(dir, 'scan-0.png'));
    writeFileSync(path.join(dir, 'truncated.png'), good.subarray(0, Math.floor(good.length / 2)));
    writeFileSync(path.join(dir, 'empty.png'), '');
    writeFileSync(path.join(dir, 'text-renamed.tif'), 'this is not an image\n'.repeat(20));
    writeFileSync(path.join(dir, 'notes.txt'), 'lab notes');
  }

  it('imports every readable file, gives each bad one a reason, and skips non-images', async () => {
    const dir = path.join(temp.dir, 'scans');
    await makeMixedFolder(dir);
    const result = await importFolder({ kind: 'folder', root: dir });
    expect(result.added).toBe(8);
    expect(result.skipped).toBe(0);
    const reasons = Object.fromEntries(result.failed.map((f) => [f.path, f.reason]));
    expect(Object.keys(reasons).sort()).toEqual(['empty.png', 'text-renamed.tif', 'truncated.png']);
    expect(reasons['empty.png']).toMatch(/^empty/);
    expect(reasons['truncated.png']).toMatch(/^truncated/);
    expect(reasons['text-renamed.tif']).toMatch(/^not an image/);
    expect(result.skippedFiles).toEqual([{ relPath: 'notes.txt', reason: expect.stringMatching(/not a PNG, TIFF or JPEG/) }]);

    const counts = summarizeProject(project).counts;
    expect(counts).toMatchObject({ images: 8, importErrors: 3 });
    const errors = queryImages(project.db, { status: 'error' }, 0, 10);
    expect(errors.items.map((i) => i.error)).toEqual(expect.arrayContaining([expect.stringMatching(/truncated/)]));

    // 16-bit files stay 16-bit in the record, with the window used for the 8-bit cache.
    for (const relPath of ['scan-5.png', 'scan-6.tif']) {
      const wide = queryImages(project.db, {}, 0, 20).items.find((i) => i.relPath === relPath);
      const detail = imageDetail(project.db, wide?.id ?? -1);
      expect(detail?.bitDepth, relPath).toBe(16);
      expect(detail?.window?.high, relPath).toBeGreaterThan(detail?.window?.low ?? Infinity);
    }
  });

  it('writes a thumbnail and a training-cache slot for every image', async () => {
    const dir = path.join(temp.dir, 'scans');
    await makeMixedFolder(dir);
    await importFolder({ kind: 'folder', root: dir });
    const rows = project.db.prepare("SELECT content_hash AS hash, frame_index AS frame, cache_offset AS slot FROM images WHERE status = 'ok'").all() as {
      hash: string;
      frame: number;
      slot: number;
    }[];
    expect(new Set(rows.map((r) => r.slot)).size).toBe(8);
    const cache = TrainingCache.open(project.path('cache'));
    try {
      for (const row of rows) {
        expect(existsSync(thumbnailPath(project.path('thumbs'), row.hash, row.frame))).toBe(true);
        const pixels = await cache.read(row.slot);
        expect(pixels.length).toBe(cache.size * cache.size);
        expect(Math.max(...pixels)).toBeGreaterThan(100); // a real B-scan, not an empty slot
      }
    } finally {
      await cache.close();
    }
  });

  it('is idempotent: the same folder again, or a copy of it elsewhere, adds nothing', async () => {
    const dir = path.join(temp.dir, 'scans');
    await makeMixedFolder(dir);
    await importFolder({ kind: 'folder', root: dir });
    const again = await importFolder({ kind: 'folder', root: dir });
    expect(again).toMatchObject({ added: 0, skipped: 8 });
    expect(again.failed).toHaveLength(3); // bad files are retried, and still fail
    const copy = path.join(temp.dir, 'copy-of-scans');
    cpSync(dir, copy, { recursive: true });
    const fromCopy = await importFolder({ kind: 'folder', root: copy });
    expect(fromCopy).toMatchObject({ added: 0, skipped: 8 });
    expect(summarizeProject(project).counts.images).toBe(8);
  });

  it('reads one subfolder per class as a single-label task', async () => {
    const dir = path.join(temp.dir, 'classes');
    for (const [i, cls] of ['normal', 'normal', 'normal', 'dme', 'dme', 'cnv'].entries()) {
      await writeBscanFile(path.join(dir, cls, `${i}.png`), 'png', 100 + i);
    }
    const result = await importFolder({ kind: 'folder', root: dir });
    expect(result.added).toBe(6);
    const [set] = labelSetStats(project.db);
    expect(set).toMatchObject({ name: 'classes classes', kind: 'single_label' });
    expect(set?.labels.map((l) => [l.name, l.positive, l.negative, l.unknown])).toEqual([
      ['cnv', 1, 5, 0],
      ['dme', 2, 4, 0],
      ['normal', 3, 3, 0],
    ]);
  });

  it('takes labels and patients from a CSV: blank is unknown, missing files and unlisted files are reported', async () => {
    const dir = path.join(temp.dir, 'labelled');
    for (let i = 0; i < 6; i++) await writeBscanFile(path.join(dir, 'img', `b${i}.tif`), 'tiff', 200 + i);
    const csv = path.join(temp.dir, 'labels.csv');
    writeFileSync(
      csv,
      [
        'path,patient,eye,IRF,HRF,notes',
        'img/b0.tif,P1,OD,1,0,ok',
        'img/b1.png,P1,OD,0.0,,stem match across extensions',
        '/img/b2.tif,P2,left,1.0,1,',
        'img/b3.tif,P3,OS,,1,',
        'img/missing.tif,P4,OD,1,1,',
      ].join('\r\n'),
    );
    const result = await importFolder({ kind: 'folder', root: dir, labels: csv });
    expect(result.added).toBe(6);
    expect(result.rowsWithoutImage).toEqual([{ path: 'img/missing.tif', file: csv, line: 6 }]);
    expect(result.imagesWithoutLabels).toBe(2);
    expect(result.warnings).toEqual([expect.stringMatching(/"notes" .* ignored/)]);
    const [set] = labelSetStats(project.db);
    expect(set?.labels.map((l) => [l.name, l.positive, l.negative, l.unknown])).toEqual([
      ['IRF', 2, 1, 3],
      ['HRF', 2, 1, 3],
    ]);
    expect(summarizeProject(project).counts).toMatchObject({ patients: 3, eyes: 3 });

    const split = createPatientSplit(project.db, { name: 's', seed: 1, fractions: { train: 0.34, val: 0.33, test: 0.33 }, labelSetId: set?.id ?? null });
    expect(split.subsets.train.patients + split.subsets.val.patients + split.subsets.test.patients).toBe(3);
    expect(split.unassignedImages).toBe(2); // b4, b5 have no patient
  });

  it('says clearly when the label CSV has the wrong columns', async () => {
    const dir = path.join(temp.dir, 'x');
    await writeBscanFile(path.join(dir, 'a.png'), 'png', 1);
    const csv = path.join(temp.dir, 'bad.csv');
    writeFileSync(csv, 'name;value\na.png;1\n');
    const job = await runner.waitFor(runner.start('import', { kind: 'folder', root: dir, labels: csv }).id);
    expect(job.status).toBe('failed');
    expect(job.error?.message).toMatch(/wrong columns.*path column/);
    expect(summarizeProject(project).counts.images).toBe(0);
  });

  it('refuses a folder that does not exist with a clear message', async () => {
    const job = await runner.waitFor(runner.start('import', { kind: 'folder', root: path.join(temp.dir, 'nope') }).id);
    expect(job.status).toBe('failed');
    expect(job.error?.message).toMatch(/does not exist/);
    mkdirSync(path.join(temp.dir, 'empty'));
    expect(statSync(path.join(temp.dir, 'empty')).isDirectory()).toBe(true);
    expect(await importFolder({ kind: 'folder', root: path.join(temp.dir, 'empty') })).toMatchObject({ added: 0, failed: [] });
  });
});
