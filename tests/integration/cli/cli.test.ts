import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION } from '../../../src-main/project/migrations/index.js';
import { runOctdino } from '../../fixtures/run-cli.js';
import { makeTempDir } from '../../fixtures/temp-dir.js';

describe('octdino CLI', () => {
  let temp: ReturnType<typeof makeTempDir>;
  beforeAll(() => (temp = makeTempDir()));
  afterAll(() => temp.cleanup());

  it('init creates a project and status --json prints valid JSON about it', () => {
    const dir = path.join(temp.dir, 'p');
    const init = runOctdino(['init', dir]);
    expect(init.status, init.stderr).toBe(0);
    expect(init.stdout).toMatch(/Created project "p"/);

    const status = runOctdino(['status', '--project', dir, '--json']);
    expect(status.status, status.stderr).toBe(0);
    const parsed = JSON.parse(status.stdout) as Record<string, unknown>;
    expect(parsed).toMatchObject({ dir, name: 'p', schemaVersion: LATEST_SCHEMA_VERSION, counts: { images: 0, patients: 0 }, jobs: [] });

    const human = runOctdino(['status', '--project', dir]);
    expect(human.stdout).toMatch(/Project "p"/);
    expect(human.stdout).toMatch(/images: 0/);
  });

  it('fails with a one-line reason and a non-zero exit on bad input', () => {
    const cases: [string[], RegExp, number][] = [
      [['status', '--project', path.join(temp.dir, 'nope')], /does not exist/, 1],
      [['status', '--project', temp.dir], /not an OCT DINO Studio project/, 1],
      [['init', path.join(temp.dir, 'no', 'parent')], /does not exist/, 1],
      [['status'], /needs --project/, 2],
      [['status', '--project', temp.dir, '--bogus'], /Unknown option '--bogus'/, 2],
      [['frobnicate'], /unknown command "frobnicate"/, 2],
    ];
    for (const [args, reason, code] of cases) {
      const result = runOctdino(args);
      expect(result.status, args.join(' ')).toBe(code);
      expect(result.stderr.split('\n')[0], args.join(' ')).toMatch(reason);
      expect(result.stdout).toBe('');
    }
  });

  it('refuses a project written by a newer version', () => {
    const dir = path.join(temp.dir, 'future');
    expect(runOctdino(['init', dir]).status).toBe(0);
    const db = new Database(path.join(dir, 'project.sqlite'));
    db.pragma('user_version = 99');
    db.close();
    const result = runOctdino(['status', '--project', dir, '--json']);
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/newer version of OCT DINO Studio \(schema 99/);
  });

  it('says when a file is given instead of a folder', () => {
    const file = path.join(temp.dir, 'notes.txt');
    writeFileSync(file, 'x');
    const result = runOctdino(['status', '--project', file]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/is a file/);
  });

  it('engine reports the active backend and why the better ones are not used', () => {
    const json = runOctdino(['engine', '--json']);
    expect(json.status, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout) as { active: { name: string }; candidates: { package: string; available: boolean; reason: string }[] };
    expect(report.candidates.map((c) => c.package)).toEqual(
      expect.arrayContaining(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-wasm']),
    );
    const gpu = report.candidates.find((c) => c.package === '@tensorflow/tfjs-node-gpu');
    expect(gpu?.reason).toBeTruthy();
    const human = runOctdino(['engine']);
    expect(human.stdout).toMatch(/Compute engine: /);
    expect(human.stdout).toMatch(/tfjs-node-gpu/);
  });

  it('prints help and the version', () => {
    expect(runOctdino(['--help']).stdout).toMatch(/Usage: octdino <command>/);
    expect(runOctdino(['serve', '--help']).stdout).toMatch(/--port/);
    expect(runOctdino(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
