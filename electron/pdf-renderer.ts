/**
 * Reports to PDF in the desktop app with Electron's own Chromium (`webContents.printToPDF`), so
 * no second browser is needed. The report HTML is written to a private temporary file and loaded
 * in a hidden window that is sandboxed, has JavaScript switched off, lives in its own in-memory
 * session and may request nothing but that file and data: URLs.
 */
import { BrowserWindow, session, type Session } from 'electron';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PdfRenderer } from '../src-main/report/report-pdf.js';
import { electronPdfOptions, isAllowedPdfRequest } from './pdf-options.js';
import { hardenWindow } from './security.js';

const allowedFiles = new Set<string>();
let printSession: Session | null = null;

function pdfSession(): Session {
  if (printSession) return printSession;
  // No "persist:" prefix: in memory only, nothing of a report is cached on disk.
  const ses = session.fromPartition(`octdino-pdf-${randomUUID()}`, { cache: false });
  ses.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !isAllowedPdfRequest(details.url, allowedFiles) }));
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  printSession = ses;
  return ses;
}

export function createElectronPdfRenderer(): PdfRenderer {
  return async (html) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'octdino-report-'));
    const file = path.join(dir, 'report.html');
    await writeFile(file, html, { encoding: 'utf8', mode: 0o600 });
    const url = pathToFileURL(file).href;
    allowedFiles.add(url);
    const window = new BrowserWindow({
      show: false,
      webPreferences: {
        session: pdfSession(),
        javascript: false,
        sandbox: true,
        contextIsolation: true,
        nodeIntegration: false,
        webSecurity: true,
        spellcheck: false,
      },
    });
    hardenWindow(window, url);
    try {
      await window.loadURL(url);
      return await window.webContents.printToPDF(electronPdfOptions());
    } finally {
      allowedFiles.delete(url);
      window.destroy();
      await rm(dir, { recursive: true, force: true });
    }
  };
}
