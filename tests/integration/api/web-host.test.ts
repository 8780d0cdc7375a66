import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { AppCore } from '../../../src-main/api/core.js';
import { startWebHost, type WebHost } from '../../../src-main/api/web-host.js';
import { makeTempDir } from '../../fixtures/temp-dir.js';

/** A raw GET that keeps the path exactly as written (fetch would normalise `..`). */
function rawGet(port: number, rawPath: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: rawPath, method: 'GET', headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('web host', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let core: AppCore;
  let host: WebHost;
  let auth: Record<string, string>;

  beforeEach(async () => {
    temp = makeTempDir();
    const rendererDir = path.join(temp.dir, 'renderer');
    mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
    writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>OCT DINO Studio</title>');
    writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(path.join(temp.dir, 'secret.txt'), 'do not serve');
    core = new AppCore({ appHome: path.join(temp.dir, 'home') });
    core.createProject(path.join(temp.dir, 'project'));
    host = await startWebHost({ core, rendererDir, port: 0 });
    auth = { authorization: `Bearer ${host.token}` };
  });
  afterEach(async () => {
    await host.close();
    core.dispose();
    temp.cleanup();
  });

  it('prints a loopback URL carrying a long random token', () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32}$/);
  });

  it('refuses every request without the token, and sets a session cookie when the URL has it', async () => {
    expect((await rawGet(host.port, '/')).status).toBe(401);
    expect((await rawGet(host.port, '/assets/app.js')).status).toBe(401);
    expect((await rawGet(host.port, '/?token=wrong')).status).toBe(401);
    const withToken = await fetch(host.url);
    expect(withToken.status).toBe(200);
    const cookie = withToken.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly; SameSite=Strict/);
    expect(withToken.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect((await rawGet(host.port, '/assets/app.js', { cookie: cookie.split(';')[0] ?? '' })).status).toBe(200);
  });

  it('never serves files outside the renderer folder, nor directory listings', async () => {
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/assets/', '/assets']) {
      const res = await rawGet(host.port, p, auth);
      expect(res.status, p).toBe(404);
      expect(res.body).not.toContain('do not serve');
    }
  });

  it('answers API calls over HTTP with the same validation as every transport', async () => {
    const ok = await fetch(`http://127.0.0.1:${host.port}/api/call/projects.current`, { method: 'POST', headers: auth, body: '{}' });
    expect(await ok.json()).toMatchObject({ ok: true, result: { name: 'project' } });
    const bad = await fetch(`http://127.0.0.1:${host.port}/api/call/projects.open`, { method: 'POST', headers: auth, body: '{not json' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });

  it('serves images by id only', async () => {
    expect((await rawGet(host.port, '/api/images/1', auth)).status).toBe(404);
    expect((await rawGet(host.port, '/api/images/..%2f..%2fsecret.txt', auth)).status).toBe(404);
  });

  it('accepts a WebSocket only with the token, answers calls and pushes events', async () => {
    const refused = new WebSocket(`ws://127.0.0.1:${host.port}/api/ws`);
    const status = await new Promise<number>((resolve) => refused.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(401);

    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api/ws?token=${host.token}`);
    await new Promise((resolve, reject) => {
      ws.on('open', resolve);
      ws.on('error', reject);
    });
    const messages: unknown[] = [];
    ws.on('message', (data) => messages.push(JSON.parse(data.toString())));
    ws.send(JSON.stringify({ id: 7, method: 'projects.create', input: { dir: path.join(temp.dir, 'second'), name: 'Second' } }));
    await expect.poll(() => messages.length).toBeGreaterThanOrEqual(2);
    expect(messages).toContainEqual(expect.objectContaining({ id: 7, ok: true }));
    expect(messages).toContainEqual({ event: expect.objectContaining({ type: 'project.changed' }) });
    ws.close();
  });

  it('refuses a WebSocket from another origin even with the token', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api/ws?token=${host.token}`, { origin: 'http://evil.example' });
    const status = await new Promise<number>((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(401);
  });

  it('binds only loopback unless remote access is explicitly allowed', async () => {
    await expect(startWebHost({ core, rendererDir: temp.dir, host: '0.0.0.0' })).rejects.toThrow(/--allow-remote/);
  });
});
