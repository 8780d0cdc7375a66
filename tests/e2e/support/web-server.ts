/**
 * Starts the real web mode (`octdino serve`) for end-to-end tests: builds the renderer first when
 * the build is missing or older than its sources, then runs the CLI as a child process with a
 * fresh OCTDINO_HOME, so every test file gets its own demo project and recent-projects list.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const OUTPUT_DIR = path.join(ROOT, 'tests', 'e2e', '__output__');
export const CHROMIUM_PATH = process.env.OCTDINO_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function newestMtime(entry: string): number {
  const stat = statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(entry).reduce((newest, name) => Math.max(newest, newestMtime(path.join(entry, name))), stat.mtimeMs);
}

/** Runs the Vite build unless dist/renderer is newer than everything under renderer/. */
export function ensureRendererBuilt(): void {
  const built = path.join(ROOT, 'dist', 'renderer', 'index.html');
  const sources = newestMtime(path.join(ROOT, 'renderer'));
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return;
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'renderer/vite.config.ts'], {
    cwd: ROOT,
    stdio: 'pipe',
  });
}

export interface WebServer {
  url: string;
  origin: string;
  token: string;
  home: string;
  /** Everything the server printed, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

export interface WebServerOptions {
  /** Open this project folder instead of the demo project (which then is not generated). */
  project?: string;
  timeoutMs?: number;
}

export async function startWebServer(options: WebServerOptions = {}): Promise<WebServer> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const home = mkdtempSync(path.join(os.tmpdir(), 'octdino-e2e-home-'));
  const projectArgs = options.project ? ['--project', options.project] : [];
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'octdino.js'), 'serve', '--port', '0', ...projectArgs], {
    cwd: ROOT,
    env: { ...process.env, OCTDINO_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`octdino serve printed no URL within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const check = (): void => {
      const match = /OCT DINO Studio at (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`octdino serve exited with code ${code} before printing its URL:\n${output}`));
    });
  });
  const parsed = new URL(url);
  return {
    url,
    origin: parsed.origin,
    token: parsed.searchParams.get('token') ?? '',
    home,
    log: () => output,
    stop: async () => {
      await stopChild(child);
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** SIGTERM, then SIGKILL if the server is still there after 5 s. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
