import { describe, expect, it } from 'vitest';
import type { JobView, ProjectSummary } from '../../../src-main/api/types.js';
import { createServices, startServices } from '../../../renderer/src/lib/state/services.js';
import { fakeClient } from './fake-transport.js';
import { makeJob } from './job-fixture.js';

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

function summary(dir: string, name = 'Study'): ProjectSummary {
  return {
    dir,
    id: `id-${dir}`,
    name,
    createdAt: '2026-01-01T00:00:00.000Z',
    schemaVersion: 1,
    counts: { images: 0, importErrors: 0, patients: 0, eyes: 0, volumes: 0, sources: 0, labelSets: 0, labelledImages: 0, runs: 0, jobsRunning: 0 },
  };
}

function job(id: number, overrides: Partial<JobView> = {}): JobView {
  return makeJob({ id, ...overrides });
}

describe('renderer state', () => {
  it('loads the open project, the recent list and its jobs, then follows events', async () => {
    const { transport, api } = fakeClient();
    transport.answer('projects.current', summary('/a')).answer('projects.recent', []).answer('jobs.list', [job(1)]);
    const services = createServices(api, window);
    const stop = startServices(services);
    await settle();
    expect(services.app.project?.dir).toBe('/a');
    expect(services.jobs.list.map((j) => j.id)).toEqual([1]);

    transport.emit({ type: 'job.updated', job: job(1, { progress: 0.5 }) });
    transport.emit({ type: 'job.updated', job: job(2) });
    expect(services.jobs.list.map((j) => [j.id, j.progress])).toEqual([
      [2, 0],
      [1, 0.5],
    ]);

    // Another project: its jobs replace the old ones.
    transport.answer('jobs.list', []);
    transport.emit({ type: 'project.changed', project: summary('/b') });
    await settle();
    expect(services.app.project?.dir).toBe('/b');
    expect(services.jobs.list).toEqual([]);
    stop();
  });

  it('does not reload jobs when only the counts of the same project change', async () => {
    const { transport, api } = fakeClient();
    transport.answer('projects.current', summary('/a')).answer('projects.recent', []).answer('jobs.list', []);
    const services = createServices(api, window);
    startServices(services);
    await settle();
    const listCalls = () => transport.calls.filter((call) => call.method === 'jobs.list').length;
    expect(listCalls()).toBe(1);
    transport.emit({ type: 'project.changed', project: { ...summary('/a'), counts: { ...summary('/a').counts, images: 9 } } });
    await settle();
    expect(services.app.project?.counts.images).toBe(9);
    expect(listCalls()).toBe(1);
  });

  it('creates a project, refreshes the recent list, and reports failures with their code', async () => {
    const { transport, api } = fakeClient();
    transport.answer('projects.current', null).answer('projects.recent', []).answer('jobs.list', []);
    const services = createServices(api, window);
    startServices(services);
    await settle();
    expect(services.app.project).toBeNull();
    expect(services.app.loaded).toBe(true);

    transport.answer('projects.create', summary('/new', 'New')).answer('projects.recent', [{ dir: '/new', name: 'New', openedAt: '', exists: true }]);
    expect(await services.app.createProject('/new', '  New ')).toBe(true);
    expect(transport.calls.find((call) => call.method === 'projects.create')?.input).toEqual({ dir: '/new', name: 'New' });
    expect(services.app.project?.name).toBe('New');
    expect(services.app.recent.map((r) => r.dir)).toEqual(['/new']);

    transport.fail('projects.open', 'not_a_project', '/x is not an OCT DINO Studio project.');
    expect(await services.app.openProject('/x')).toBe(false);
    expect(services.errors.list).toEqual([
      expect.objectContaining({ message: 'Could not open the project', code: 'not_a_project', detail: '/x is not an OCT DINO Studio project.' }),
    ]);
    services.errors.dismiss(services.errors.list[0]!.id);
    expect(services.errors.list).toEqual([]);
  });

  it('cancels a job and shows the answer at once', async () => {
    const { transport, api } = fakeClient();
    transport.answer('projects.current', summary('/a')).answer('projects.recent', []).answer('jobs.list', [job(4)]);
    const services = createServices(api, window);
    startServices(services);
    await settle();
    transport.answer('jobs.cancel', job(4, { status: 'cancelled' }));
    await services.jobs.cancel(4);
    expect(transport.calls.at(-1)).toEqual({ method: 'jobs.cancel', input: { id: 4 } });
    expect(services.jobs.get(4)?.status).toBe('cancelled');
  });
});
