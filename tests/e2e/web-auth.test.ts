/**
 * Web mode refuses everything without the token: pages, API calls and the WebSocket. Runs the
 * real `octdino serve` (see support/web-server.ts) and talks to it with plain HTTP and `ws`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ensureRendererBuilt, startWebServer, type WebServer } from './support/web-server.js';

let server: WebServer;

beforeAll(async () => {
  ensureRendererBuilt();
  server = await startWebServer();
});

afterAll(async () => {
  await server?.stop();
});

/** Opens a socket and reports the HTTP status of the upgrade: 101 when accepted. */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<{ status: number; socket: WebSocket | null }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0, socket: null });
      ws.terminate();
    });
    ws.once('open', () => resolve({ status: 101, socket: ws }));
    ws.once('error', (err) => reject(err));
  });
}

function wsUrl(query = ''): string {
  return `${server.origin.replace(/^http/, 'ws')}/api/ws${query}`;
}

describe('web mode token', () => {
  it('refuses the page without the token', async () => {
    const res = await fetch(`${server.origin}/`);
    expect(res.status).toBe(401);
  });

  it('refuses an API call without the token, and with a wrong one', async () => {
    expect((await fetch(`${server.origin}/api/call/projects.current`, { method: 'POST', body: '{}' })).status).toBe(401);
    const wrong = await fetch(`${server.origin}/api/call/projects.current`, {
      method: 'POST',
      body: '{}',
      headers: { authorization: 'Bearer not-the-token' },
    });
    expect(wrong.status).toBe(401);
  });

  it('serves the page with the token and sets the session cookie', async () => {
    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<div id="app">');
    expect(res.headers.get('set-cookie')).toMatch(/octdino_token_\d+=.+HttpOnly/);
  });

  it('answers an API call with the token', async () => {
    const res = await fetch(`${server.origin}/api/call/projects.current`, {
      method: 'POST',
      body: '{}',
      headers: { authorization: `Bearer ${server.token}` },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ok: boolean; result: { name: string } };
    expect(body.ok).toBe(true);
    expect(body.result.name).toBe('Demo project (synthetic OCT)');
  });

  it('refuses a WebSocket without the token or with a wrong one', async () => {
    expect((await upgradeStatus(wsUrl())).status).toBe(401);
    expect((await upgradeStatus(wsUrl('?token=wrong'))).status).toBe(401);
    const port = new URL(server.origin).port;
    expect((await upgradeStatus(wsUrl(), { cookie: `octdino_token_${port}=wrong` })).status).toBe(401);
  });

  it('accepts a WebSocket with the token and answers a call on it', async () => {
    const port = new URL(server.origin).port;
    const { status, socket } = await upgradeStatus(wsUrl(), { cookie: `octdino_token_${port}=${server.token}` });
    expect(status).toBe(101);
    const answer = new Promise<unknown>((resolve) => {
      socket!.on('message', (data) => {
        const message = JSON.parse(String(data)) as { id?: number };
        if (message.id === 7) resolve(message);
      });
    });
    socket!.send(JSON.stringify({ id: 7, method: 'app.info', input: {} }));
    expect(await answer).toMatchObject({ id: 7, ok: true, result: { name: 'OCT DINO Studio' } });
    socket!.close();
  });

  it('answers 404 for an image id that does not exist', async () => {
    const res = await fetch(`${server.origin}/api/images/987654321`, { headers: { authorization: `Bearer ${server.token}` } });
    expect(res.status).toBe(404);
  });

  it('refuses an image without the token', async () => {
    expect((await fetch(`${server.origin}/api/images/1`)).status).toBe(401);
  });
});
