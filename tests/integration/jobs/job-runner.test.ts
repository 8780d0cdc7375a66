import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JobRunner, JobRequestError, isProcessAlive } from '../../../src-main/jobs/job-runner.js';
import { JobsRepository, type JobView } from '../../../src-main/jobs/jobs-repository.js';
import { Project } from '../../../src-main/project/project.js';
import { summarizeProject } from '../../../src-main/project/summary.js';
import { makeTempDir } from '../../fixtures/temp-dir.js';

/** A demo dataset small enough to generate in a few seconds on two cores. */
const SMALL_DEMO = { patients: 2, eyesPerPatient: 1, visitsPerEye: 1, slicesPerVolume: 4, width: 128, height: 124 } as const;

describe('job runner (real worker processes)', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let project: Project;
  let runner: JobRunner;
  let updates: JobView[];

  beforeEach(() => {
    temp = makeTempDir();
    project = Project.create(path.join(temp.dir, 'p'));
    runner = new JobRunner(project, { cancelGraceSeconds: 5 });
    updates = [];
    runner.on('updated', (job) => updates.push(job));
  });
  afterEach(() => {
    runner.shutdown();
    project.close();
    temp.cleanup();
  });

  it('runs a job in a separate process with progress events, and persists the result', async () => {
    const job = runner.start('demo.generate', SMALL_DEMO);
    expect(job.status).toBe('running');
    const done = await runner.waitFor(job.id);
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    expect(done.progress).toBe(1);
    expect(done.result).toMatchObject({ images: 8, created: 8, skipped: 0, failed: 0 });

    const progress = updates.filter((u) => u.id === job.id && u.status === 'running').map((u) => u.progress);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(new Set(updates.map((u) => u.status))).toEqual(new Set(['running', 'completed']));

    const counts = summarizeProject(project).counts;
    expect(counts).toMatchObject({ images: 8, patients: 2, volumes: 2, labelSets: 1, labelledImages: 8 });
    // The worker ran elsewhere: its pid is not ours.
    const pid = project.db.prepare('SELECT pid FROM jobs WHERE id = ?').pluck().get(job.id);
    expect(pid).not.toBe(process.pid);
  });

  it('is idempotent: running the same job again adds nothing', async () => {
    await runner.waitFor(runner.start('demo.generate', SMALL_DEMO).id);
    const again = await runner.waitFor(runner.start('demo.generate', SMALL_DEMO).id);
    expect(again.result).toMatchObject({ images: 8, created: 0, skipped: 8 });
    expect(summarizeProject(project).counts.images).toBe(8);
  });

  it('validates params before starting a worker', () => {
    expect(() => runner.start('demo.generate', { patients: -1 })).toThrow(JobRequestError);
    expect(() => runner.start('demo.generate', { unknownField: 1 })).toThrow(/Invalid parameters/);
    expect(() => runner.start('no.such.job', {})).toThrow(/Unknown job kind/);
    expect(runner.list()).toEqual([]);
  });

  it('cancels a running job; what was saved stays saved', async () => {
    const job = runner.start('demo.generate', { ...SMALL_DEMO, patients: 40, slicesPerVolume: 8 });
    // Past 0.5 the rendered images are being imported (the first half renders them).
    await expect.poll(() => runner.get(job.id)?.progress ?? 0, { timeout: 30_000 }).toBeGreaterThan(0.55);
    runner.cancel(job.id);
    const done = await runner.waitFor(job.id);
    expect(done.status).toBe('cancelled');
    const saved = summarizeProject(project).counts.images;
    expect(saved).toBeGreaterThan(0);
    expect(saved).toBeLessThan(320);
  });

  it('marks a job failed with the reason when its worker is killed, keeps working, and resumes', async () => {
    const job = runner.start('demo.generate', { ...SMALL_DEMO, patients: 30, slicesPerVolume: 8 });
    // Images are registered in batches once their thumbnails and cache are written: wait for the first batch.
    await expect.poll(() => summarizeProject(project).counts.images, { timeout: 30_000, interval: 20 }).toBeGreaterThan(0);
    const pid = project.db.prepare('SELECT pid FROM jobs WHERE id = ?').pluck().get(job.id) as number;
    process.kill(pid, 'SIGKILL');
    const died = await runner.waitFor(job.id);
    expect(died.status).toBe('failed');
    expect(died.error?.message).toMatch(/stopped unexpectedly.*SIGKILL/);
    const savedBefore = summarizeProject(project).counts.images;
    expect(savedBefore).toBeGreaterThan(0);
    expect(project.db.pragma('integrity_check', { simple: true })).toBe('ok');

    // The app keeps working: another job runs fine, and the killed one resumes to the end.
    const resumed = await runner.waitFor(runner.resume(job.id).id);
    expect(resumed.status).toBe('completed');
    expect(resumed.result).toMatchObject({ images: 240, skipped: savedBefore });
    expect(summarizeProject(project).counts.images).toBe(240);
  });

  it('shuts down with the project: running jobs become interrupted, and late worker exits touch nothing', async () => {
    const job = runner.start('demo.generate', { ...SMALL_DEMO, patients: 20 });
    const pid = project.db.prepare('SELECT pid FROM jobs WHERE id = ?').pluck().get(job.id) as number;
    runner.shutdown();
    expect(runner.get(job.id)?.status).toBe('interrupted');
    expect(() => runner.start('demo.generate', SMALL_DEMO)).toThrow(/closed/);
    project.close();
    // The worker's exit arrives after the database closed; it must not throw anywhere.
    await expect.poll(() => isProcessAlive(pid), { timeout: 10_000 }).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 100));
    project = Project.open(path.join(temp.dir, 'p'));
  });

  it('marks jobs left running by a dead process as interrupted when a project is reopened', () => {
    const repo = new JobsRepository(project.db);
    const id = repo.create('demo.generate', {});
    repo.setStatus(id, 'running', { pid: 2 ** 22 + 12345 }); // no such process
    const reopened = new JobRunner(project);
    expect(reopened.get(id)?.status).toBe('interrupted');
    expect(reopened.get(id)?.message).toMatch(/resume/);
  });
});
