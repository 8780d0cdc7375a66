/**
 * The Electron printer's settings and request rule, free of `electron` imports so that unit tests
 * can check them in plain Node. Same page as the headless Chromium printer in src-main: A4, the
 * report's margins, backgrounds, and the footer "page X of Y".
 */
import { PDF_FOOTER, PDF_MARGINS_MM } from '../src-main/report/report-pdf.js';

const MM_PER_INCH = 25.4;

/** Options for `webContents.printToPDF` (Electron takes margins in inches). */
export function electronPdfOptions() {
  return {
    pageSize: 'A4' as const,
    printBackground: true,
    preferCSSPageSize: false,
    displayHeaderFooter: true,
    headerTemplate: '<div></div>',
    footerTemplate: PDF_FOOTER,
    margins: {
      top: PDF_MARGINS_MM.top / MM_PER_INCH,
      right: PDF_MARGINS_MM.right / MM_PER_INCH,
      bottom: PDF_MARGINS_MM.bottom / MM_PER_INCH,
      left: PDF_MARGINS_MM.left / MM_PER_INCH,
    },
  };
}

/**
 * The print window may load the one report file it was given and inline data: URLs (the report's
 * embedded images), nothing else: no network, no other local file.
 */
export function isAllowedPdfRequest(url: string, allowedFiles: ReadonlySet<string>): boolean {
  if (url.startsWith('data:')) return true;
  if (!url.startsWith('file:')) return false;
  const wanted = normalFileUrl(url);
  return [...allowedFiles].some((allowed) => normalFileUrl(allowed) === wanted);
}

/** A file: URL without query or fragment, percent-escapes decoded (Chromium and Node escape alike, mostly). */
function normalFileUrl(url: string): string {
  const bare = url.split('#')[0]!.split('?')[0]!;
  try {
    return decodeURI(bare);
  } catch {
    return bare;
  }
}
