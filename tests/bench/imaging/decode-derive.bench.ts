/**
 * Import-path benchmark: how many B-scans per second can be read, hashed, decoded and turned
 * into a thumbnail + training-cache record? Product target: ≥ 300 images/s for the whole path
 * on the 2-core build machine.
 *
 *   npx tsx tests/bench/imaging/decode-derive.bench.ts [--n 500] [--format tiff|tiff-lzw|png] [--no-matrix]
 *
 * Not a vitest test (timings are not assertions). The fixtures are OLIVES-like: 504 x 496 8-bit
 * grayscale, bands + speckle noise, one different image per file — codec speed depends on
 * content, and a flat image would flatter every stage. The script re-runs itself in child
 * processes to vary UV_THREADPOOL_SIZE, which libuv reads only once, at start-up.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { decodeImage, readImageFile } from '../../../src-main/imaging/decode.js';
import type { GrayImage } from '../../../src-main/imaging/gray-image.js';
import { prepareDerived } from '../../../src-main/imaging/prepare.js';
import { thumbnailPath, writeThumbnail } from '../../../src-main/imaging/thumbnail.js';
import { TrainingCache } from '../../../src-main/imaging/training-cache.js';
import { makeTempDir } from '../../fixtures/temp-dir.js';
import { bscan8 } from '../../unit/imaging/fixtures.js';

const W = 504;
const H = 496;
const CONCURRENCY = [1, 2, 4, 8];

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const N = Number(arg('n', '500'));
const FORMAT = arg('format', 'tiff');
const CHILD = process.argv.includes('--child');
const SHARP_THREADS = Number(arg('sharp-concurrency', '0'));
const SHARP_CACHE = arg('sharp-cache', 'off') === 'on';

/** Runs `task(i)` for i < n with at most `limit` in flight. */
async function pool(n: number, limit: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
}

/**
 * Images per second, and CPU milliseconds per image summed over all threads (process.cpuUsage
 * counts libuv's and libvips' threads too). The second number is what to optimise when the
 * machine is shared: 2 cores / CPU-ms per image is the ceiling an idle machine would reach.
 */
async function rate(n: number, limit: number, task: (i: number) => Promise<unknown>): Promise<{ perSecond: number; cpuMs: number }> {
  await pool(Math.min(n, 20), limit, task); // warm-up: code paths, libvips operation cache
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await pool(n, limit, task);
  const cpu = process.cpuUsage(cpu0);
  return { perSecond: (n * 1000) / (performance.now() - t0), cpuMs: (cpu.user + cpu.system) / 1000 / n };
}

function cell(r: { perSecond: number; cpuMs: number }): string {
  return `${r.perSecond.toFixed(0)} (${r.cpuMs.toFixed(2)} ms)`;
}

async function makeFixtures(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (let i = 0; i < N; i++) {
    const px = bscan8(W, H, 1000 + i);
    let s = sharp(px, { raw: { width: W, height: H, channels: 1 } }).toColourspace('b-w');
    s = FORMAT === 'png' ? s.png() : s.tiff({ compression: FORMAT === 'tiff-lzw' ? 'lzw' : 'none' });
    const file = path.join(dir, 'src', `${i}.${FORMAT === 'png' ? 'png' : 'tif'}`);
    if (i === 0) (await import('node:fs')).mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, await s.toBuffer());
    files.push(file);
  }
  return files;
}

async function readHashDecode(file: string): Promise<{ image: GrayImage; hash: string }> {
  const bytes = await readImageFile(file);
  const hash = createHash('sha256').update(bytes).digest('hex');
  return { image: await decodeImage(bytes), hash };
}

async function stageTable(): Promise<void> {
  const tmp = makeTempDir('octdino-bench-');
  try {
    const files = await makeFixtures(tmp.dir);
    const decoded = await Promise.all(files.map(readHashDecode));
    const header = ['stage: images/s (CPU ms/image)', ...CONCURRENCY.map((c) => `c=${c}`)];
    const rows: string[][] = [];
    const run = async (name: string, task: (c: number, i: number) => Promise<unknown>) => {
      const row = [name];
      for (const c of CONCURRENCY) row.push(cell(await rate(N, c, (i) => task(c, i))));
      rows.push(row);
    };
    await run('read+sha256+decode', (_c, i) => readHashDecode(files[i]!));
    await run('thumbnail (encode+write)', (c, i) => {
      const { image, hash } = decoded[i]!;
      return writeThumbnail(image.data as Uint8Array, W, H, thumbnailPath(path.join(tmp.dir, `thumbs-${c}`), hash, 0));
    });
    const caches = new Map(CONCURRENCY.map((c) => [c, TrainingCache.open(path.join(tmp.dir, `cache-${c}`))]));
    await run('cache write (resize+pwrite)', (c, i) => caches.get(c)!.write(i, decoded[i]!.image.data as Uint8Array, W, H));
    const whole = new Map(CONCURRENCY.map((c) => [c, TrainingCache.open(path.join(tmp.dir, `whole-${c}`))]));
    await run('whole path', async (c, i) => {
      const { image, hash } = await readHashDecode(files[i]!);
      await prepareDerived(image, { thumbsDir: path.join(tmp.dir, `wthumbs-${c}`), contentHash: hash, frameIndex: 0, cache: whole.get(c)!, slot: i });
    });
    const batch = Array.from({ length: 64 }, (_, k) => (k * 7) % N);
    const cache = whole.get(1)!;
    await run('cache readBatch(64 shuffled) x64', (_c, i) => (i % 64 === 0 ? cache.readBatch(batch) : Promise.resolve()));
    for (const c of [...caches.values(), ...whole.values()]) await c.close();
    const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k]!.length)));
    const fmt = (r: string[]) => r.map((v, k) => (k === 0 ? v.padEnd(widths[k]!) : v.padStart(widths[k]!))).join('  ');
    console.log(fmt(header));
    for (const r of rows) console.log(fmt(r));
  } finally {
    tmp.cleanup();
  }
}

/** Child mode: the whole path only, one line of JSON. */
async function wholePathOnly(): Promise<void> {
  const tmp = makeTempDir('octdino-bench-');
  try {
    const files = await makeFixtures(tmp.dir);
    const result: Record<string, string | number> = {};
    for (const c of CONCURRENCY) {
      const cache = TrainingCache.open(path.join(tmp.dir, `whole-${c}`));
      result[`c=${c}`] = cell(
        await rate(N, c, async (i) => {
          const { image, hash } = await readHashDecode(files[i]!);
          await prepareDerived(image, { thumbsDir: path.join(tmp.dir, `t-${c}`), contentHash: hash, frameIndex: 0, cache, slot: i });
        }),
      );
      await cache.close();
    }
    result.rssMiB = Math.round(process.memoryUsage().rss / 1024 ** 2);
    console.log(JSON.stringify(result));
  } finally {
    tmp.cleanup();
  }
}

if (SHARP_THREADS > 0) sharp.concurrency(SHARP_THREADS);
// Off by default: the import touches each image once, so libvips' operation cache only holds memory.
sharp.cache(SHARP_CACHE);

if (CHILD) {
  await wholePathOnly();
} else {
  console.log(`load average before: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} (other work on the machine skews images/s, not CPU ms)`);
  console.log(`${N} x ${W}x${H} 8-bit ${FORMAT}; ${os.cpus().length} CPUs; sharp.concurrency() = ${sharp.concurrency()}; UV_THREADPOOL_SIZE = ${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'}`);
  await stageTable();
  if (process.argv.includes('--no-matrix')) process.exit(0);
  console.log('\nwhole path, images/s, by runtime setting (each a fresh process):');
  const self = fileURLToPath(import.meta.url);
  for (const uv of ['2', '4', '8']) {
    for (const threads of ['1', '2']) {
      for (const cache of ['off', 'on']) {
        if (cache === 'on' && (uv !== '4' || threads !== '1')) continue;
        const child = spawnSync(process.execPath, [...process.execArgv, self, '--child', '--n', String(N), '--format', FORMAT, '--sharp-concurrency', threads, '--sharp-cache', cache], {
          env: { ...process.env, UV_THREADPOOL_SIZE: uv },
          encoding: 'utf8',
        });
        const line = child.stdout.trim().split('\n').at(-1) ?? child.stderr;
        console.log(`  UV_THREADPOOL_SIZE=${uv} sharp.concurrency=${threads} sharp.cache=${cache}: ${line}`);
      }
    }
  }
}
