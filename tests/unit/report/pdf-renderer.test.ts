import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Project } from '../../../src-main/project/project.js';
import type * as ReportData from '../../../src-main/report/report-data.js';
import type * as ReportHtml from '../../../src-main/report/report-html.js';
import { makeTempDir } from '../../fixtures/temp-dir.js';

// createReport's data and HTML steps need a trained project; here only the printing step matters.
vi.mock('../../../src-main/report/report-data.js', async (importOriginal) => ({
  ...(await importOriginal<typeof ReportData>()),
  collectReportData: () => ({ runIds: [7], attention: { examples: [] } }),
}));
vi.mock('../../../src-main/report/report-html.js', async (importOriginal) => ({
  ...(await importOriginal<typeof ReportHtml>()),
  renderReportHtml: () => '<!doctype html><html><body><h2>Results</h2><h2>Methods</h2></body></html>',
}));

const { createReport } = await import('../../../src-main/report/create-report.js');
const { ChromiumNotFoundError, currentPdfRenderer, renderPdf, setPdfRenderer } = await import('../../../src-main/report/report-pdf.js');

const fakeProject = {} as Project;

describe('the injectable HTML → PDF renderer', () => {
  afterEach(() => {
    setPdfRenderer(null);
    vi.unstubAllEnvs();
  });

  it('renderPdf hands the HTML to the injected renderer and returns its bytes as a Buffer', async () => {
    const seen: string[] = [];
    const backing = new Uint8Array([0, 0, 0x25, 0x50, 0x44, 0x46, 9]);
    setPdfRenderer(async (html) => {
      seen.push(html);
      return backing.subarray(2, 6); // a view with an offset: only its own bytes count
    });
    const pdf = await renderPdf('<p>hello</p>');
    expect(seen).toEqual(['<p>hello</p>']);
    expect(Buffer.isBuffer(pdf)).toBe(true);
    expect(pdf.toString('latin1')).toBe('%PDF');
  });

  it('without an injected renderer uses headless Chromium, which fails clearly when there is none', async () => {
    setPdfRenderer(async () => new Uint8Array([1]));
    setPdfRenderer(null);
    vi.stubEnv('OCTDINO_CHROMIUM', path.join('/nonexistent', 'chromium'));
    await expect(currentPdfRenderer()('<p>x</p>')).rejects.toBeInstanceOf(ChromiumNotFoundError);
    await expect(renderPdf('<p>x</p>')).rejects.toThrow(/OCTDINO_CHROMIUM/);
  });

  it('createReport with format pdf writes exactly what the injected renderer printed', async () => {
    const temp = makeTempDir();
    try {
      const calls: string[] = [];
      setPdfRenderer(async (html) => {
        calls.push(html);
        return new TextEncoder().encode('%PDF-1.7 fake');
      });
      const out = path.join(temp.dir, 'reports', 'r.pdf');
      const result = await createReport(fakeProject, { runIds: [7] }, out, 'pdf', { attention: false });
      expect(calls).toHaveLength(1);
      expect(calls[0]).toContain('<h2>Results</h2>');
      expect(readFileSync(out, 'latin1')).toBe('%PDF-1.7 fake');
      expect(result).toMatchObject({ path: out, format: 'pdf', bytes: 13, runIds: [7], sections: 2 });

      const html = await createReport(fakeProject, { runIds: [7] }, path.join(temp.dir, 'r.html'), 'html', { attention: false });
      expect(calls).toHaveLength(1); // HTML needs no printer
      expect(html.format).toBe('html');
    } finally {
      temp.cleanup();
    }
  });

  it('a renderer that fails makes the report fail with its error, and writes no file', async () => {
    const temp = makeTempDir();
    try {
      setPdfRenderer(async () => {
        throw new Error('printToPDF failed: window crashed');
      });
      const out = path.join(temp.dir, 'r.pdf');
      await expect(createReport(fakeProject, { runIds: [7] }, out, 'pdf', { attention: false })).rejects.toThrow('window crashed');
      expect(() => readFileSync(out)).toThrow();
    } finally {
      temp.cleanup();
    }
  });
});
