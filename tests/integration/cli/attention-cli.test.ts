import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRunner } from '../../../src-main/jobs/job-runner.js';
import type { PretrainResult } from '../../../src-main/ml/pretrain/pretrain-job.js';
import { imageFileRef } from '../../../src-main/project/images.js';
import { Project } from '../../../src-main/project/project.js';
import { runOctdino } from '../../fixtures/run-cli.js';
import { makeTempDir } from '../../fixtures/temp-dir.js';

describe('octdino attention', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let project: string;
  let run: number;
  let image: number;
  let file: string;

  beforeAll(async () => {
    temp = makeTempDir();
    project = path.join(temp.dir, 'p');
    const p = Project.create(project);
    const runner = new JobRunner(p);
    expect((await runner.waitFor(runner.start('demo.generate', { patients: 4, eyesPerPatient: 1, visitsPerEye: 1, slicesPerVolume: 4, width: 64, height: 62 }).id)).status).toBe('completed');
    const done = await runner.waitFor(
      runner.start('pretrain', { arch: 'vit_custom', custom: { embedDim: 32, depth: 2, numHeads: 2 }, patch: 8, epochs: 2, batch: 8, outDim: 64, headHiddenDim: 32, headBottleneckDim: 16, globalSize: 32, localSize: 16, localCrops: 1, warmupEpochs: 0, checkpointEvery: 1, backend: 'wasm' }).id,
    );
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    run = (done.result as PretrainResult).runId;
    image = p.db.prepare('SELECT min(id) FROM images').pluck().get() as number;
    file = imageFileRef(p.db, image)!.path;
    runner.shutdown();
    p.close();
  }, 120_000);
  afterAll(() => temp.cleanup());

  it('draws one panel per head plus the mean at the scan’s full resolution, and gives the raw maps', async () => {
    const out = path.join(temp.dir, 'attention.png');
    const r = runOctdino(['attention', '--project', project, '--run', String(run), '--image', String(image), '--out', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as { heads: number; grid: [number, number]; maps: number[][]; mean: number[]; model: string; inputSize: number };
    expect(json).toMatchObject({ heads: 2, grid: [4, 4], inputSize: 32, model: expect.stringMatching(/teacher \(final\)/) });
    expect(json.maps).toHaveLength(2);
    // Each head's [CLS] row is a softmax over all tokens: its patch part sums to at most 1.
    for (const m of json.maps) expect(m.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1 + 1e-6);
    const meta = await sharp(readFileSync(out)).metadata();
    expect([meta.width, meta.height]).toEqual([3 * 64, 62]);
  });

  it('reads a kept checkpoint, rollout and a file from disk; refuses an unknown step with the kept ones', () => {
    const fromFile = runOctdino(['attention', '--project', project, '--run', String(run), '--path', file, '--threshold', '1', '--out', path.join(temp.dir, 'f.png'), '--json']);
    expect(fromFile.status, fromFile.stderr).toBe(0);
    const a = JSON.parse(fromFile.stdout) as { mean: number[]; source: string };
    const b = JSON.parse(runOctdino(['attention', '--project', project, '--run', String(run), '--image', String(image), '--out', path.join(temp.dir, 'g.png'), '--json']).stdout) as { mean: number[] };
    expect(a.source).toBe(file);
    // The same pixels, through the file or through the project: the same maps.
    a.mean.forEach((v, i) => expect(v).toBeCloseTo(b.mean[i]!, 6));
    const atStep = runOctdino(['attention', '--project', project, '--run', String(run), '--image', String(image), '--checkpoint', '2', '--rollout', '--out', path.join(temp.dir, 'a2.png'), '--json']);
    expect(atStep.status, atStep.stderr).toBe(0);
    expect(JSON.parse(atStep.stdout)).toMatchObject({ rollout: true, model: expect.stringMatching(/at step 2/) });
    const missing = runOctdino(['attention', '--project', project, '--run', String(run), '--image', String(image), '--checkpoint', '999', '--out', path.join(temp.dir, 'x.png')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/no checkpoint at step 999; kept steps: /);
    const bad = runOctdino(['attention', '--project', project, '--run', String(run), '--out', path.join(temp.dir, 'x.png')]);
    expect(bad.status).toBe(2);
  });
});
