import { describe, expect, it } from 'vitest';
import { buildImportParams, EMPTY_IMPORT_FORM, readImportProgress, readImportResult } from '../../../renderer/src/features/dataset/import/import-job.js';

describe('buildImportParams', () => {
  it('builds OLIVES params with only the files given', () => {
    expect(buildImportParams({ ...EMPTY_IMPORT_FORM, kind: 'olives', root: ' /data/OLIVES ', labels: '/data/labels.csv', clinical: '' })).toEqual({
      kind: 'olives',
      root: '/data/OLIVES',
      labels: '/data/labels.csv',
    });
  });

  it('sends the layout for a plain folder and the CSV (without layout) for a labelled one', () => {
    expect(buildImportParams({ ...EMPTY_IMPORT_FORM, root: '/scans', layout: 'classes' })).toEqual({ kind: 'folder', root: '/scans', layout: 'classes' });
    expect(buildImportParams({ ...EMPTY_IMPORT_FORM, root: '/scans', labels: '/scans.csv', clinical: '/x.xlsx' })).toEqual({ kind: 'folder', root: '/scans', labels: '/scans.csv' });
  });

  it('sends only the root for DICOM', () => {
    expect(buildImportParams({ ...EMPTY_IMPORT_FORM, kind: 'dicom', root: '/dicom', labels: '/ignored.csv' })).toEqual({ kind: 'dicom', root: '/dicom' });
  });
});

describe('reading the import job', () => {
  it('reads live metrics, and nothing before the first file', () => {
    expect(readImportProgress({})).toBeNull();
    expect(readImportProgress({ files: 12, total: 60, added: 10, skipped: 1, failed: 1, filesPerSecond: 48.5 })).toEqual({
      files: 12,
      total: 60,
      added: 10,
      skipped: 1,
      failed: 1,
      filesPerSecond: 48.5,
    });
  });

  it('reads a result, keeping every failure with its reason', () => {
    const failed = Array.from({ length: 500 }, (_, i) => ({ path: `bad/${i}.png`, reason: 'truncated: the file ends early' }));
    const outcome = readImportResult({
      sourceId: 1,
      added: 60,
      skipped: 2,
      failed,
      skippedFiles: [{ relPath: 'fundus.jpg', reason: 'fundus photo' }],
      rowsWithoutImage: [{ path: 'x.png', file: 'labels.csv', line: 7 }],
      imagesWithoutLabels: 3,
      warnings: ['Column "note" was ignored.'],
      seconds: 1.5,
    });
    expect(outcome?.failed).toHaveLength(500);
    expect(outcome?.failed[499]).toEqual({ path: 'bad/499.png', reason: 'truncated: the file ends early' });
    expect(outcome).toMatchObject({ added: 60, skipped: 2, imagesWithoutLabels: 3, seconds: 1.5, warnings: ['Column "note" was ignored.'] });
    expect(outcome?.rowsWithoutImage).toEqual([{ path: 'x.png', file: 'labels.csv', line: 7 }]);
  });

  it('shows less rather than crash on a result of another shape', () => {
    expect(readImportResult(null)).toBeNull();
    expect(readImportResult({ added: 'many' })).toBeNull();
    expect(readImportResult({ added: 1, failed: 'oops', warnings: null })).toMatchObject({ added: 1, failed: [], warnings: [], skippedFiles: [] });
  });
});
