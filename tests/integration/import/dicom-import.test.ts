import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportResult } from '../../../src-main/import/import-pipeline.js';
import { JobRunner } from '../../../src-main/jobs/job-runner.js';
import { imageDetail, queryImages } from '../../../src-main/project/images.js';
import { Project } from '../../../src-main/project/project.js';
import { REPO_ROOT } from '../../fixtures/run-cli.js';
import { makeTempDir } from '../../fixtures/temp-dir.js';

const FIXTURES = path.join(REPO_ROOT, 'tests', 'fixtures', 'dicom');

describe('importing DICOM OCT (every transfer syntax fixture, through the import job)', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let project: Project;
  let runner: JobRunner;
  let result: ImportResult;

  beforeAll(async () => {
    temp = makeTempDir();
    project = Project.create(path.join(temp.dir, 'project'));
    runner = new JobRunner(project);
    const job = await runner.waitFor(runner.start('import', { kind: 'dicom', root: FIXTURES }).id);
    expect(job.status, JSON.stringify(job.error)).toBe('completed');
    result = job.result as ImportResult;
  });
  afterAll(() => {
    runner.shutdown();
    project.close();
    temp.cleanup();
  });

  it('imports one image per frame of every decodable file', () => {
    expect(result.added).toBe(68);
    const page = queryImages(project.db, { status: 'ok' }, 0, 1000);
    expect(page.total).toBe(68);
    const frames = page.items.filter((i) => i.relPath === 'opt-explicit-8bit.dcm');
    expect(frames.map((f) => [f.frameIndex, f.sliceIndex])).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
    ]);
  });

  it('gives every bad file a reason that names what was found', () => {
    const reasons = Object.fromEntries(result.failed.map((f) => [f.path, f.reason]));
    expect(Object.keys(reasons).sort()).toEqual(['big-endian.dcm', 'not-dicom.dcm', 'truncated.dcm', 'unsupported-mpeg2.dcm', 'vendor-private-zeiss.dcm']);
    expect(reasons['unsupported-mpeg2.dcm']).toMatch(/^unsupported: .*1\.2\.840\.10008\.1\.2\.4\.100.*MPEG2/);
    expect(reasons['big-endian.dcm']).toMatch(/^unsupported: .*Big Endian/i);
    expect(reasons['vendor-private-zeiss.dcm']).toMatch(/^vendor private: .*Zeiss.*not supported/i);
    expect(reasons['truncated.dcm']).toMatch(/^truncated/);
    expect(reasons['not-dicom.dcm']).toMatch(/^not an image/);
    expect(result.skippedFiles.map((f) => f.relPath)).toEqual(expect.arrayContaining(['README.md', 'manifest.json', 'expected-8bit.u8']));
  });

  it('maps patient id, laterality and study date to patient, eye and visit, and keeps pixel spacing', () => {
    const frame = queryImages(project.db, {}, 0, 1000).items.find((i) => i.relPath === 'opt-explicit-8bit.dcm');
    const detail = imageDetail(project.db, frame?.id ?? -1);
    expect(detail).toMatchObject({ eye: 'OD', visit: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/), patient: expect.any(String) });
    const spacing = project.db.prepare('SELECT pixel_spacing_json FROM volumes WHERE id = ?').pluck().get(detail?.volume?.id) as string;
    expect(JSON.parse(spacing)).toEqual({ row: 0.0039, column: 0.0117, sliceThickness: 0.047 });
    const left = queryImages(project.db, {}, 0, 1000).items.find((i) => i.relPath === 'opt-explicit-16bit.dcm');
    expect(left?.eye).toBe('OS');
  });

  it('keeps 12-bit data as such, with the window used for the 8-bit training copy', () => {
    const frame = queryImages(project.db, {}, 0, 1000).items.find((i) => i.relPath === 'jpeg-lossless-sv1-16bit.dcm');
    const detail = imageDetail(project.db, frame?.id ?? -1);
    expect(detail?.bitDepth).toBe(12);
    expect(detail?.window).toEqual({ low: expect.any(Number), high: expect.any(Number) });
  });
});
