/**
 * Web mode: the same core behind HTTP + WebSocket on loopback, guarded by a random token, like
 * a notebook server. The end-to-end tests drive the real UI through this, and a lab can run it
 * on its GPU server (binding beyond loopback needs `allowRemote` and still needs the token).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import { downloadTarget } from '../export/export-files.js';
import type { AppCore, ApiEvent } from './core.js';
import { dispatch } from './dispatch.js';
import { deliverImage, IMAGE_VARIANTS, type ImageVariant } from './image-delivery.js';

export interface WebHostOptions {
  core: AppCore;
  /** Folder with the built renderer (index.html + assets/). */
  rendererDir: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Required to bind anything other than loopback. */
  allowRemote?: boolean;
  /** Fixed token (tests); random otherwise. */
  token?: string;
}

export interface WebHost {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);
const MAX_BODY_BYTES = 1024 * 1024;
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
};

/** Types of the files users export (reports, tables, models, archives). */
const DOWNLOAD_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.pdf': 'application/pdf',
  '.csv': 'text/csv; charset=utf-8',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.zip': 'application/zip',
  '.safetensors': 'application/octet-stream',
  '.bin': 'application/octet-stream',
};

const wsRequestSchema = z.object({ id: z.number().int(), method: z.string().max(100), input: z.unknown().optional() });

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host);
}

export class WebHostError extends Error {
  override readonly name = 'WebHostError';
}

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackHost(host) && !options.allowRemote) {
    throw new WebHostError(
      `Refusing to listen on ${host}: only loopback is allowed by default. Pass --allow-remote to expose the app on your network (the token is still required).`,
    );
  }
  const token = options.token ?? randomBytes(24).toString('base64url');
  const tokenBuffer = Buffer.from(token);
  const sockets = new Set<WebSocket>();
  let cookieName = 'octdino_token';

  const tokenMatches = (candidate: string | null | undefined): boolean => {
    if (!candidate) return false;
    const buffer = Buffer.from(candidate);
    return buffer.length === tokenBuffer.length && timingSafeEqual(buffer, tokenBuffer);
  };

  /** Token from the query string, an `Authorization: Bearer` header or the session cookie. */
  const authenticate = (req: IncomingMessage, url: URL): { ok: boolean; fromQuery: boolean } => {
    if (tokenMatches(url.searchParams.get('token'))) return { ok: true, fromQuery: true };
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ') && tokenMatches(auth.slice(7))) return { ok: true, fromQuery: false };
    const cookie = parseCookies(req.headers.cookie)[cookieName];
    return { ok: tokenMatches(cookie), fromQuery: false };
  };

  const server = http.createServer((req, res) => {
    handleRequest(req, res).catch((err: unknown) => {
      console.error('[web] request failed:', err);
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: { code: 'internal', message: 'Internal server error' } });
      else res.destroy();
    });
  });

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    setSecurityHeaders(res);
    const auth = authenticate(req, url);
    if (!auth.ok) {
      res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('401 Unauthorized: open the URL with the token that `octdino serve` printed.\n');
      return;
    }
    if (auth.fromQuery) {
      // The page's own requests (scripts, images, the socket) then carry the token as a cookie.
      res.setHeader('set-cookie', `${cookieName}=${token}; HttpOnly; SameSite=Strict; Path=/`);
    }
    const pathname = url.pathname;
    if (pathname.startsWith('/api/call/') && req.method === 'POST') return handleCall(req, res, pathname.slice('/api/call/'.length));
    const imageMatch = /^\/api\/images\/(\d{1,12})\/([a-z]+)$/.exec(pathname);
    if (imageMatch && req.method === 'GET') return serveImage(req, res, Number(imageMatch[1]), imageMatch[2] ?? '');
    if (pathname.startsWith('/api/files/') && (req.method === 'GET' || req.method === 'HEAD')) return serveProjectFile(req, res, pathname.slice('/api/files/'.length), url.searchParams.get('inline') === '1');
    if (req.method === 'GET' || req.method === 'HEAD') return serveStatic(res, pathname);
    sendJson(res, 405, { ok: false, error: { code: 'invalid_input', message: `${req.method} is not allowed here` } });
  }

  async function handleCall(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    let body: unknown;
    try {
      const text = await readBody(req, MAX_BODY_BYTES);
      body = text.length > 0 ? JSON.parse(text) : {};
    } catch (err) {
      sendJson(res, 400, { ok: false, error: { code: 'invalid_input', message: `Bad request body: ${(err as Error).message}` } });
      return;
    }
    const result = await dispatch(options.core, decodeURIComponent(method), body);
    sendJson(res, result.ok ? 200 : 400, result);
  }

  async function serveImage(req: IncomingMessage, res: ServerResponse, id: number, variant: string): Promise<void> {
    const project = options.core.project;
    if (!project || !(IMAGE_VARIANTS as readonly string[]).includes(variant)) {
      sendJson(res, 404, { ok: false, error: { code: 'not_found', message: `No image ${id}/${variant}` } });
      return;
    }
    const image = await deliverImage(project, id, variant as ImageVariant);
    // Ids are per project: the browser must revalidate, so switching projects never shows a
    // cached image of the previous one. The ETag makes revalidation a cheap 304.
    const etag = `"${project.meta.id}-${id}-${variant}-${image.body.length}"`;
    if (image.status === 200 && req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag, 'cache-control': 'no-cache' });
      res.end();
      return;
    }
    res.writeHead(image.status, {
      'content-type': image.contentType,
      'content-length': image.body.length,
      'cache-control': 'no-cache',
      ...(image.status === 200 ? { etag } : {}),
      ...image.headers,
    });
    res.end(image.body);
  }

  /**
   * A file the user exported (reports/<name>, exports/<name>, exports/<folder>/<name>) as a
   * download. Only plain names inside those two folders of the open project, only regular files
   * whose real path stays inside (no `..`, no links out); never a listing.
   */
  function serveProjectFile(req: IncomingMessage, res: ServerResponse, encoded: string, inline: boolean): void {
    const project = options.core.project;
    const notFound = (): void => sendJson(res, 404, { ok: false, error: { code: 'not_found', message: 'No such exported file' } });
    let relative: string;
    try {
      relative = encoded.split('/').map(decodeURIComponent).join('/');
    } catch {
      return notFound();
    }
    const file = project ? downloadTarget(project.dir, relative) : null;
    if (!project || !file) return notFound();
    let real: string;
    try {
      real = realpathSync(file);
      const folder = realpathSync(path.join(project.dir, relative.split('/')[0] ?? ''));
      if (!real.startsWith(folder + path.sep) || !statSync(real).isFile()) return notFound();
    } catch {
      return notFound();
    }
    const ext = path.extname(real).toLowerCase();
    const type = DOWNLOAD_TYPES[ext] ?? 'application/octet-stream';
    // Shown in the browser only when asked and only as a sandboxed document: a report's own
    // styles and inline images, no scripts, no requests back to this server.
    const show = inline && (ext === '.html' || ext === '.pdf');
    res.writeHead(200, {
      'content-type': type,
      'content-length': statSync(real).size,
      'cache-control': 'no-store',
      'content-disposition': `${show ? 'inline' : 'attachment'}; filename="${path.basename(real)}"`,
      ...(show && ext === '.html' ? { 'content-security-policy': "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'" } : {}),
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(real).pipe(res);
  }

  function serveStatic(res: ServerResponse, pathname: string): void {
    const root = path.resolve(options.rendererDir);
    const relative = pathname === '/' ? 'index.html' : decodeURIComponent(pathname).replace(/^\/+/, '');
    const file = path.resolve(root, relative);
    // No path escapes, no directory listings: only regular files inside the renderer folder.
    if (!file.startsWith(root + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
      if (relative === 'index.html') {
        res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('The UI is not built yet. Run "npm run build:renderer" and reload.\n');
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('404 Not found\n');
      return;
    }
    sendFile(res, file, relative.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-store');
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY_BYTES });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const origin = req.headers.origin;
    const sameOrigin = !origin || origin === `http://${req.headers.host}` || origin === `https://${req.headers.host}`;
    if (url.pathname !== '/api/ws' || !authenticate(req, url).ok || !sameOrigin) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => acceptSocket(ws));
  });

  function acceptSocket(ws: WebSocket): void {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    ws.on('message', (data) => {
      let request: z.infer<typeof wsRequestSchema>;
      try {
        request = wsRequestSchema.parse(JSON.parse(data.toString()));
      } catch {
        ws.send(JSON.stringify({ id: null, ok: false, error: { code: 'invalid_input', message: 'Malformed message' } }));
        return;
      }
      void dispatch(options.core, request.method, request.input).then((result) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id: request.id, ...result }));
      });
    });
  }

  const onEvent = (event: ApiEvent): void => {
    const message = JSON.stringify({ event });
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(message);
  };
  options.core.on('event', onEvent);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  cookieName = `octdino_token_${port}`; // cookies ignore ports: two servers must not share one
  const shownHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      options.core.off('event', onEvent);
      for (const ws of sockets) ws.terminate();
      wss.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections(); // idle keep-alive sockets would otherwise hold close() open
      await closed;
    },
  };
}

function setSecurityHeaders(res: ServerResponse): void {
  res.setHeader(
    'content-security-policy',
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  );
  res.setHeader('x-content-type-options', 'nosniff');
  // The token is in the page URL: never send it elsewhere in a Referer header.
  res.setHeader('referrer-policy', 'no-referrer');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function sendFile(res: ServerResponse, file: string, cacheControl: string): void {
  const type = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  res.writeHead(200, { 'content-type': type, 'content-length': statSync(file).size, 'cache-control': cacheControl });
  createReadStream(file).pipe(res);
}

function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of header?.split(';') ?? []) {
    const eq = part.indexOf('=');
    if (eq > 0) cookies[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return cookies;
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Error(`larger than ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
