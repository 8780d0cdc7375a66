/**
 * Import throughput and memory, the way the product runs it: a real `import` job in a worker
 * process over a folder of 504x496 8-bit TIFF B-scans, including hashing, decoding, thumbnails
 * and the training cache. Target: ≥ 300 images/s on the 2 build cores, memory flat in N.
 *
 *   npx tsx tests/bench/import.bench.ts [N ...]        (default: 1000 3000)
 *
 * Images are rendered by the demo generator (distinct content: the import skips duplicates
 * by hash) and written once into tests/bench/__output__/tiffs-<N>.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { renderSyntheticBscan } from '../../src-main/demo/synthetic-oct.js';
import type { ImportResult } from '../../src-main/import/import-pipeline.js';
import { JobRunner } from '../../src-main/jobs/job-runner.js';
import { Project } from '../../src-main/project/project.js';

const OUT = path.join(import.meta.dirname, '__output__');

async function makeTiffs(n: number): Promise<string> {
  const dir = path.join(OUT, `tiffs-${n}`);
  if (existsSync(dir) && readdirSync(dir).length === n) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < n; i++) {
    const { pixels, width, height } = renderSyntheticBscan({ seed: i + 1, sliceIndex: i % 49, slicesPerVolume: 49, eye: i % 2 ? 'OD' : 'OS' });
    await sharp(pixels, { raw: { width, height, channels: 1 } }).toColourspace('b-w').tiff({ compression: 'none' }).toFile(path.join(dir, `${i}.tif`));
  }
  return dir;
}

function rssMiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

async function benchImport(n: number): Promise<void> {
  const folder = await makeTiffs(n);
  const projectDir = path.join(os.tmpdir(), `octdino-bench-import-${n}-${process.pid}`);
  rmSync(projectDir, { recursive: true, force: true });
  const project = Project.create(projectDir);
  const runner = new JobRunner(project);
  try {
    const started = Date.now();
    const job = runner.start('import', { kind: 'folder', root: folder, layout: 'flat' });
    const pid = project.db.prepare('SELECT pid FROM jobs WHERE id = ?').pluck().get(job.id) as number;
    let peak = 0;
    const samples: number[] = [];
    const timer = setInterval(() => {
      const rss = rssMiB(pid);
      peak = Math.max(peak, rss);
      if (rss > 0) samples.push(rss);
    }, 100);
    const done = await runner.waitFor(job.id);
    clearInterval(timer);
    const seconds = (Date.now() - started) / 1000;
    const result = done.result as ImportResult;
    const mid = samples[Math.floor(samples.length / 2)] ?? 0;
    console.log(
      `N=${n}: ${result.added} added in ${seconds.toFixed(1)} s (job incl. worker start) = ${(result.added / seconds).toFixed(0)} images/s; ` +
        `pipeline ${result.seconds.toFixed(1)} s = ${(result.added / result.seconds).toFixed(0)} images/s; ` +
        `worker RSS peak ${peak.toFixed(0)} MiB, mid-run ${mid.toFixed(0)} MiB`,
    );
  } finally {
    runner.shutdown();
    project.close();
    rmSync(projectDir, { recursive: true, force: true });
  }
}

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
for (const n of sizes.length ? sizes : [1000, 3000]) await benchImport(n);
