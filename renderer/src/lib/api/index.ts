/**
 * Picks the transport for where the renderer runs: the Electron bridge when the preload put
 * `window.octdino` there (desktop), else a WebSocket to the web host that served this page.
 */
import { ApiClient } from './api-client.js';
import { IpcTransport } from './ipc-transport.js';
import { WsTransport } from './ws-transport.js';

export { ApiClient } from './api-client.js';
export { ApiClientError, type ApiClientErrorCode } from './api-client-error.js';
export type { ConnectionState, ConnectionStatus, Transport } from './transport.js';

export function createApiClient(win: Window = window): ApiClient {
  if (win.octdino) return new ApiClient(new IpcTransport(win.octdino));
  const scheme = win.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return new ApiClient(new WsTransport({ url: `${scheme}//${win.location.host}/api/ws`, imageBase: '/api/images/' }));
}

/**
 * Web mode: the host set a session cookie when the page was opened with `?token=`, so the token
 * can leave the address bar (and with it history, bookmarks and screenshots).
 */
export function removeTokenFromAddressBar(win: Window = window): void {
  const url = new URL(win.location.href);
  if (!url.searchParams.has('token')) return;
  url.searchParams.delete('token');
  win.history.replaceState(win.history.state, '', url.pathname + url.search + url.hash);
}
