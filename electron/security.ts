import { session, type BrowserWindow, type WebContents } from 'electron';

/** The renderer's CSP: our own files and our image protocol only; nothing remote. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob: octdino-image:; connect-src 'self' octdino-image:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** Applies the CSP header, refuses permission requests, navigation and new windows. */
export function hardenSession(): void {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
}

export function hardenWindow(window: BrowserWindow, allowedUrl: string): void {
  const contents = window.webContents;
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event, url) => {
    if (url.split('#')[0] !== allowedUrl) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** True when an IPC message comes from our window's top frame showing our renderer. */
export function isTrustedSender(sender: WebContents, frameUrl: string | undefined, window: BrowserWindow | null, allowedUrl: string): boolean {
  return window !== null && sender === window.webContents && frameUrl?.split('#')[0] === allowedUrl;
}
