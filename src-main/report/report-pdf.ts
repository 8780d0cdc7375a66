/**
 * The report's HTML printed to PDF by headless Chromium (playwright-core drives the browser the
 * machine already has; it never downloads one). A4, the same margins as the HTML's @page rule,
 * and a footer "page X of Y" on every page. The page gets the HTML as its content with every
 * request refused, so printing can never reach the network.
 *
 * The printer is injectable (`setPdfRenderer`): the desktop app registers one built on Electron's
 * own `webContents.printToPDF` (same Chromium, same page options, no second browser), which lives
 * in electron/ because src-main never imports electron. Without one, `renderPdf` uses
 * `htmlToPdf` below (the CLI and web mode).
 */
import { existsSync } from 'node:fs';

export class ChromiumNotFoundError extends Error {
  override readonly name = 'ChromiumNotFoundError';
}

/** Where a Chromium is usually installed; OCTDINO_CHROMIUM overrides them all. */
export const CHROMIUM_CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
  'C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe',
];

export function findChromium(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.OCTDINO_CHROMIUM;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new ChromiumNotFoundError(`OCTDINO_CHROMIUM is ${fromEnv}, which does not exist.`);
    return fromEnv;
  }
  const found = CHROMIUM_CANDIDATES.find((p) => existsSync(p));
  if (!found) {
    throw new ChromiumNotFoundError(
      'A PDF report needs Chromium or Google Chrome, and none was found. Install one (Debian/Ubuntu: apt-get install chromium) or set OCTDINO_CHROMIUM to its executable; --out FILE.html needs no browser.',
    );
  }
  return found;
}

/** Flags for a headless print on a server or in a container (no sandbox user namespace, no GPU). */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Page margins in millimetres, the same as the report HTML's @page rule. */
export const PDF_MARGINS_MM = { top: 16, right: 14, bottom: 18, left: 14 } as const;

export const PDF_FOOTER = '<div style="font-size:8px;width:100%;text-align:center;color:#555;font-family:sans-serif;">page <span class="pageNumber"></span> of <span class="totalPages"></span></div>';

export async function htmlToPdf(html: string, options: { executablePath?: string } = {}): Promise<Buffer> {
  const executablePath = options.executablePath ?? findChromium();
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    throw new ChromiumNotFoundError('A PDF report needs the playwright-core package to drive Chromium (npm install playwright-core); --out FILE.html needs nothing.');
  }
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    await page.route('**/*', (route) => route.abort());
    await page.setContent(html, { waitUntil: 'load' });
    await page.emulateMedia({ media: 'print' });
    return await page.pdf({
      format: 'A4',
      printBackground: true,
      margin: { top: `${PDF_MARGINS_MM.top}mm`, right: `${PDF_MARGINS_MM.right}mm`, bottom: `${PDF_MARGINS_MM.bottom}mm`, left: `${PDF_MARGINS_MM.left}mm` },
      displayHeaderFooter: true,
      headerTemplate: '<div></div>',
      footerTemplate: PDF_FOOTER,
    });
  } finally {
    await browser.close();
  }
}

/**
 * Prints a complete, self-contained HTML document (no network, no scripts needed) to PDF bytes:
 * A4, PDF_MARGINS_MM, backgrounds printed, footer PDF_FOOTER ("page X of Y").
 */
export type PdfRenderer = (html: string) => Promise<Uint8Array>;

let injected: PdfRenderer | null = null;

/** Replaces the default Chromium printer (the desktop passes Electron's); null restores it. */
export function setPdfRenderer(renderer: PdfRenderer | null): void {
  injected = renderer;
}

/** The printer reports use now: the injected one, else the headless Chromium one. */
export function currentPdfRenderer(): PdfRenderer {
  return injected ?? ((html) => htmlToPdf(html));
}

export async function renderPdf(html: string): Promise<Buffer> {
  const bytes = await currentPdfRenderer()(html);
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
