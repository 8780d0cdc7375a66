import { existsSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheRepairError, repairTrainingCache } from '../../../src-main/imaging/cache-repair.js';
import { TrainingCache } from '../../../src-main/imaging/training-cache.js';
import { JobRunner } from '../../../src-main/jobs/job-runner.js';
import { imageFileRef } from '../../../src-main/project/images.js';
import { Project } from '../../../src-main/project/project.js';
import { makeTempDir } from '../../fixtures/temp-dir.js';

describe('training-cache repair (the pipeline’s preprocessing stage)', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let project: Project;
  let original: Uint8Array;
  let slots: number;

  const readAll = async (): Promise<Uint8Array> => {
    const cache = TrainingCache.open(project.path('cache'));
    try {
      return await cache.readBatch(Array.from({ length: slots }, (_, i) => i));
    } finally {
      await cache.close();
    }
  };
  const deleteCache = (): void => {
    for (const f of readdirSync(project.path('cache'))) rmSync(path.join(project.path('cache'), f));
  };

  beforeAll(async () => {
    temp = makeTempDir();
    project = Project.create(path.join(temp.dir, 'p'));
    const runner = new JobRunner(project);
    const demo = await runner.waitFor(runner.start('demo.generate', { patients: 8, eyesPerPatient: 1, visitsPerEye: 1, slicesPerVolume: 3, width: 64, height: 62 }).id);
    runner.shutdown();
    expect(demo.status).toBe('completed');
    slots = project.db.prepare("SELECT count(*) FROM images WHERE status = 'ok'").pluck().get() as number;
    original = await readAll();
  }, 120_000);
  afterAll(() => {
    project.close();
    temp.cleanup();
  });

  it('does nothing when every record is there', async () => {
    expect(await repairTrainingCache(project)).toEqual({ checked: slots, rebuilt: 0, replacedStaleCache: false });
  });

  it('remakes a deleted cache from the source files, byte for byte, in the same slots', async () => {
    deleteCache();
    const progress: number[] = [];
    const result = await repairTrainingCache(project, { onProgress: (done) => progress.push(done) });
    expect(result).toEqual({ checked: slots, rebuilt: slots, replacedStaleCache: false });
    expect(progress.at(-1)).toBe(slots);
    expect(Buffer.from(await readAll()).equals(Buffer.from(original))).toBe(true);
  });

  it('sets aside a cache of another format version and rebuilds it', async () => {
    const header = path.join(project.path('cache'), 'pixels-256.json');
    writeFileSync(header, JSON.stringify({ format: 'octdino-training-cache', version: 0, size: 256 }));
    const result = await repairTrainingCache(project);
    expect(result).toMatchObject({ rebuilt: slots, replacedStaleCache: true });
    expect(readdirSync(project.path('cache')).some((f) => f.includes('.stale-'))).toBe(true);
    expect(Buffer.from(await readAll()).equals(Buffer.from(original))).toBe(true);
  });

  it('stops with the missing file named when a source is gone, keeps no record past the gap, and continues once it is back', async () => {
    deleteCache();
    const victim = project.db.prepare('SELECT id FROM images WHERE cache_offset = ?').pluck().get(Math.floor(slots / 2)) as number;
    const file = imageFileRef(project.db, victim)!.path;
    renameSync(file, `${file}.away`);
    await expect(repairTrainingCache(project, { concurrency: 2 })).rejects.toThrow(CacheRepairError);
    await expect(repairTrainingCache(project)).rejects.toThrow(new RegExp(`${path.basename(file).replace(/[.]/g, '\\.')}.*Reconnect or restore`));
    const cache = TrainingCache.open(project.path('cache'));
    expect(cache.slotCount()).toBeLessThanOrEqual(Math.floor(slots / 2));
    await cache.close();
    renameSync(`${file}.away`, file);
    const result = await repairTrainingCache(project);
    expect(result.rebuilt).toBeGreaterThan(0);
    expect(existsSync(file)).toBe(true);
    expect(Buffer.from(await readAll()).equals(Buffer.from(original))).toBe(true);
  });
});
