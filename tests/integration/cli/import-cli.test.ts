import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OCTDINO_BIN, REPO_ROOT, runOctdino } from '../../fixtures/run-cli.js';
import { writeBscanFile } from '../../fixtures/image-files.js';
import { makeTempDir } from '../../fixtures/temp-dir.js';

const IMAGES = 240;

function countImages(projectDir: string): number {
  const db = new Database(path.join(projectDir, 'project.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare("SELECT count(*) FROM images WHERE status = 'ok'").pluck().get() as number;
  } finally {
    db.close();
  }
}

describe('octdino import', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let scans: string;
  beforeAll(async () => {
    temp = makeTempDir();
    scans = path.join(temp.dir, 'scans');
    for (let i = 0; i < IMAGES; i++) await writeBscanFile(path.join(scans, `p${i % 12}`, `${i}.png`), 'png', i, 96, 94);
  }, 120_000);
  afterAll(() => temp.cleanup());

  it('prints {added, skipped, failed} with --json, and status reports what was imported', () => {
    const project = path.join(temp.dir, 'json');
    expect(runOctdino(['init', project]).status).toBe(0);
    const first = runOctdino(['import', '--project', project, '--folder', scans, '--layout', 'flat', '--json']);
    expect(first.status, first.stderr).toBe(0);
    const result = JSON.parse(first.stdout) as { added: number; skipped: number; failed: unknown[] };
    expect(result).toMatchObject({ added: IMAGES, skipped: 0, failed: [] });
    const again = JSON.parse(runOctdino(['import', '--project', project, '--folder', scans, '--layout', 'flat', '--json']).stdout);
    expect(again).toMatchObject({ added: 0, skipped: IMAGES, failed: [] });

    const status = JSON.parse(runOctdino(['status', '--project', project, '--json']).stdout);
    expect(status).toMatchObject({ images: IMAGES, patients: 0, eyes: 0, volumes: 0, importErrors: 0, labelSets: [], splits: [] });
  });

  it('rejects bad usage with a one-line reason', () => {
    const project = path.join(temp.dir, 'usage');
    runOctdino(['init', project]);
    for (const args of [
      ['import', '--project', project],
      ['import', '--project', project, '--folder', scans, '--dicom', scans],
      ['import', '--project', project, '--dicom', scans, '--labels', 'x.csv'],
    ]) {
      const r = runOctdino(args);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')[0]).toMatch(/^octdino import: /);
    }
    const missing = runOctdino(['import', '--project', project, '--folder', path.join(temp.dir, 'nowhere')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/does not exist/);
  });

  it('survives kill -9 of the whole app mid-import: the project stays consistent and a re-run finishes the rest', async () => {
    const project = path.join(temp.dir, 'killed');
    expect(runOctdino(['init', project]).status).toBe(0);
    const child = spawn(process.execPath, [OCTDINO_BIN, 'import', '--project', project, '--folder', scans, '--layout', 'flat'], {
      cwd: REPO_ROOT,
      detached: true, // its own process group: the CLI and its worker die together
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await expect.poll(() => countImages(project), { timeout: 60_000, interval: 50 }).toBeGreaterThan(20);
    process.kill(-(child.pid as number), 'SIGKILL');
    await exited;
    const before = countImages(project);
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(IMAGES);

    const db = new Database(path.join(project, 'project.sqlite'));
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();

    const resumed = runOctdino(['import', '--project', project, '--folder', scans, '--layout', 'flat', '--json']);
    expect(resumed.status, resumed.stderr).toBe(0);
    const result = JSON.parse(resumed.stdout) as { added: number; skipped: number };
    expect(result.skipped).toBe(before);
    expect(result.added).toBe(IMAGES - before);
    expect(countImages(project)).toBe(IMAGES);

    const status = JSON.parse(runOctdino(['status', '--project', project, '--json']).stdout) as { jobs: { status: string }[] };
    expect(status.jobs.map((j) => j.status)).toEqual(['completed', 'interrupted']);
    const slots = new Database(path.join(project, 'project.sqlite'), { readonly: true });
    expect(slots.prepare('SELECT count(DISTINCT cache_offset) FROM images').pluck().get()).toBe(IMAGES);
    slots.close();
  });
});
