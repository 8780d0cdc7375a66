import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppCore } from '../../../src-main/api/core.js';
import { startWebHost, type WebHost } from '../../../src-main/api/web-host.js';
import { makeTempDir } from '../../fixtures/temp-dir.js';

/** A raw request that keeps the path exactly as written (fetch would normalise `..`). */
function raw(port: number, rawPath: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: rawPath, method, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('web host: downloads of exported files', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let core: AppCore;
  let host: WebHost;
  let auth: Record<string, string>;
  let project: string;

  beforeEach(async () => {
    temp = makeTempDir();
    const rendererDir = path.join(temp.dir, 'renderer');
    mkdirSync(rendererDir, { recursive: true });
    writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>OCT DINO Studio</title>');
    project = path.join(temp.dir, 'project');
    core = new AppCore({ appHome: path.join(temp.dir, 'home') });
    core.createProject(project);
    writeFileSync(path.join(project, 'reports', 'report-pipeline-1.html'), '<h1>Report</h1><table><tr><td>0.8</td></tr></table>');
    mkdirSync(path.join(project, 'exports', 'classifier-run-2'), { recursive: true });
    writeFileSync(path.join(project, 'exports', 'predictions-run-1.csv'), 'image_id,label\n1,DRT\n');
    writeFileSync(path.join(project, 'exports', 'classifier-run-2', 'model.json'), '{"format":"x"}');
    writeFileSync(path.join(project, 'exports', 'a.zip'), 'PK');
    writeFileSync(path.join(project, 'exports', '.hidden'), 'no');
    writeFileSync(path.join(temp.dir, 'secret.txt'), 'do not serve');
    symlinkSync(path.join(temp.dir, 'secret.txt'), path.join(project, 'exports', 'link.txt'));
    host = await startWebHost({ core, rendererDir, port: 0 });
    auth = { authorization: `Bearer ${host.token}` };
  });
  afterEach(async () => {
    await host.close();
    core.dispose();
    temp.cleanup();
  });

  it('needs the token like everything else', async () => {
    expect((await raw(host.port, '/api/files/reports/report-pipeline-1.html')).status).toBe(401);
    expect((await raw(host.port, '/api/files/reports/report-pipeline-1.html?token=wrong')).status).toBe(401);
  });

  it('serves reports and exports as downloads with their content types', async () => {
    const report = await raw(host.port, '/api/files/reports/report-pipeline-1.html', auth);
    expect(report.status).toBe(200);
    expect(report.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(report.headers['content-disposition']).toBe('attachment; filename="report-pipeline-1.html"');
    expect(report.body).toContain('<table>');
    const inline = await raw(host.port, '/api/files/reports/report-pipeline-1.html?inline=1', auth);
    expect(inline.headers['content-disposition']).toMatch(/^inline/);
    expect(inline.headers['content-security-policy']).toMatch(/^sandbox; default-src 'none'/);
    const csv = await raw(host.port, '/api/files/exports/predictions-run-1.csv', auth);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.body).toBe('image_id,label\n1,DRT\n');
    const model = await raw(host.port, '/api/files/exports/classifier-run-2/model.json', auth);
    expect(model.status).toBe(200);
    expect(model.headers['content-type']).toBe('application/json');
    expect((await raw(host.port, '/api/files/exports/a.zip', auth)).headers['content-type']).toBe('application/zip');
    const head = await raw(host.port, '/api/files/exports/predictions-run-1.csv', auth, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('21');
    expect(head.body).toBe('');
  });

  it('refuses traversal, other folders, hidden files, links out, listings and other methods', async () => {
    for (const p of [
      '/api/files/reports/../project.sqlite',
      '/api/files/reports/%2e%2e/project.sqlite',
      '/api/files/reports/..%2Fproject.sqlite',
      '/api/files/exports/..%2F..%2Fsecret.txt',
      '/api/files/%2e%2e/secret.txt',
      '/api/files/project.sqlite',
      '/api/files/cache/x.bin',
      '/api/files/checkpoints/run-1/final.bin',
      '/api/files/reports/',
      '/api/files/exports/classifier-run-2',
      '/api/files/exports/.hidden',
      '/api/files/exports/link.txt',
      '/api/files/exports/a/b/c.txt',
      '/api/files/reports/%E0%A4%A',
      '/api/files//etc/passwd',
    ]) {
      const res = await raw(host.port, p, auth);
      expect(res.status, p).not.toBe(200);
      expect(res.body, p).not.toContain('do not serve');
    }
    expect((await raw(host.port, '/api/files/reports/report-pipeline-1.html', auth, 'DELETE')).status).toBe(405);
  });

  it('answers 404 when no project is open', async () => {
    core.closeProject();
    expect((await raw(host.port, '/api/files/reports/report-pipeline-1.html', auth)).status).toBe(404);
  });
});
