import { describe, expect, it } from 'vitest';
import { electronPdfOptions, isAllowedPdfRequest } from '../../../electron/pdf-options.js';
import { PDF_FOOTER, PDF_MARGINS_MM } from '../../../src-main/report/report-pdf.js';

describe("the desktop's printToPDF settings", () => {
  it('print A4 with the report margins (in inches), backgrounds and the "page X of Y" footer', () => {
    const o = electronPdfOptions();
    expect(o.pageSize).toBe('A4');
    expect(o.printBackground).toBe(true);
    expect(o.displayHeaderFooter).toBe(true);
    expect(o.footerTemplate).toBe(PDF_FOOTER);
    expect(o.footerTemplate).toContain('class="pageNumber"');
    expect(o.footerTemplate).toContain('class="totalPages"');
    expect(o.margins.top).toBeCloseTo(16 / 25.4, 6);
    expect(o.margins.bottom).toBeCloseTo(18 / 25.4, 6);
    expect(o.margins.left * 25.4).toBeCloseTo(PDF_MARGINS_MM.left, 6);
    expect(o.margins.right * 25.4).toBeCloseTo(PDF_MARGINS_MM.right, 6);
  });

  it('let the print window load its one report file and data: URLs, nothing else', () => {
    const file = 'file:///tmp/octdino-report-abc/report.html';
    const allowed = new Set([file]);
    expect(isAllowedPdfRequest(file, allowed)).toBe(true);
    expect(isAllowedPdfRequest(`${file}#section-2`, allowed)).toBe(true);
    expect(isAllowedPdfRequest('data:image/png;base64,iVBORw0KGgo=', allowed)).toBe(true);
    const spaced = 'file:///home/Jo%20Smith/tmp/octdino-report-x/report.html';
    expect(isAllowedPdfRequest('file:///home/Jo Smith/tmp/octdino-report-x/report.html', new Set([spaced])), 'escaped alike').toBe(true);
    for (const url of [
      'file:///etc/passwd',
      'file:///tmp/octdino-report-abc/other.html',
      'file:///tmp/octdino-report-abc/report.html.bak',
      'file:///tmp/octdino-report-abc/%2e%2e/report.html',
      'https://example.com/font.woff2',
      'http://127.0.0.1:8080/',
      'octdino-image://image/1/thumb',
      'blob:file:///x',
      'ws://localhost/',
    ]) {
      expect(isAllowedPdfRequest(url, allowed), url).toBe(false);
    }
    expect(isAllowedPdfRequest(file, new Set()), 'after printing').toBe(false);
  });
});
