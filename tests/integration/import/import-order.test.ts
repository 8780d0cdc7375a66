import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlanOrder } from '../../../src-main/import/import-pipeline.js';
import { JobRunner } from '../../../src-main/jobs/job-runner.js';
import { Project } from '../../../src-main/project/project.js';
import { writeBscanFile } from '../../fixtures/image-files.js';
import { makeTempDir } from '../../fixtures/temp-dir.js';

describe('import order', () => {
  it('PlanOrder gives turns in plan order whatever order the work finishes in', async () => {
    const order = new PlanOrder();
    const taken: number[] = [];
    const take = async (i: number, delay: number): Promise<void> => {
      await new Promise((r) => setTimeout(r, delay));
      await order.turn(i);
      taken.push(i);
      order.release(i);
    };
    // Item 2 is "skipped" (released without a turn); the others finish in reverse order.
    order.release(2);
    order.release(2);
    await Promise.all([take(0, 30), take(1, 20), take(3, 0), take(4, 5)]);
    expect(taken).toEqual([0, 1, 3, 4]);
  });

  describe('the same files imported twice', () => {
    let temp: ReturnType<typeof makeTempDir>;
    beforeAll(async () => {
      temp = makeTempDir();
      // Sizes differ a lot, so decodes finish out of order with several files in flight.
      for (let i = 0; i < 24; i++) await writeBscanFile(path.join(temp.dir, 'scans', `scan-${String(i).padStart(2, '0')}.png`), i % 3 === 0 ? 'tiff' : 'png', i, i % 4 === 0 ? 400 : 48, i % 4 === 0 ? 380 : 40);
    }, 60_000);
    afterAll(() => temp.cleanup());

    it('gives the same image ids and cache slots, in plan order', async () => {
      const maps: Map<string, [number, number]>[] = [];
      for (const name of ['a', 'b']) {
        const project = Project.create(path.join(temp.dir, name));
        const runner = new JobRunner(project);
        const job = await runner.waitFor(runner.start('import', { kind: 'folder', root: path.join(temp.dir, 'scans') }).id);
        runner.shutdown();
        expect(job.status, JSON.stringify(job.error)).toBe('completed');
        const rows = project.db.prepare('SELECT rel_path AS rel, id, cache_offset AS slot FROM images ORDER BY id').all() as { rel: string; id: number; slot: number }[];
        project.close();
        expect(rows.map((r) => r.rel)).toEqual([...rows.map((r) => r.rel)].sort());
        expect(rows.map((r) => r.slot)).toEqual(rows.map((_, i) => i));
        maps.push(new Map(rows.map((r) => [r.rel, [r.id, r.slot]])));
      }
      expect([...maps[1]!]).toEqual([...maps[0]!]);
    }, 60_000);
  });
});
