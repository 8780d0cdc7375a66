import { describe, expect, it } from 'vitest';
import type { ImageListItem, ProjectSummary } from '../../../src-main/api/types.js';
import { DatasetState } from '../../../renderer/src/lib/state/dataset-state.svelte.js';
import { ErrorsState } from '../../../renderer/src/lib/state/errors.svelte.js';
import { createServices, startServices } from '../../../renderer/src/lib/state/services.js';
import { fakeClient } from './fake-transport.js';

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

function item(id: number, status: ImageListItem['status'] = 'ok'): ImageListItem {
  return { id, relPath: `${id}.png`, patient: null, eye: null, visit: null, sliceIndex: null, frameIndex: 0, width: 8, height: 8, status, error: status === 'error' ? 'bad' : null };
}

function summary(images: number): ProjectSummary {
  return {
    dir: '/study',
    id: 'p1',
    name: 'Study',
    createdAt: '2026-01-01T00:00:00.000Z',
    schemaVersion: 1,
    counts: { images, importErrors: 0, patients: 0, eyes: 0, volumes: 0, sources: 0, labelSets: 0, labelledImages: 0, runs: 0, jobsRunning: 0 },
  };
}

function answerMeta(transport: ReturnType<typeof fakeClient>['transport']): void {
  transport.answer('images.facets', { patients: ['P1'], visits: [] }).answer('labels.stats', []).answer('splits.list', []);
}

describe('DatasetState', () => {
  it('loads the first page and the overview when activated, and sends the filter with the query', async () => {
    const { transport, api } = fakeClient();
    answerMeta(transport);
    transport.answer('images.query', { total: 2, items: [item(1), item(2)] });
    const dataset = new DatasetState(api, new ErrorsState());
    dataset.activate();
    await settle();
    expect(dataset.pages.total).toBe(2);
    expect(dataset.facets.patients).toEqual(['P1']);
    dataset.setFilters({ ...dataset.filters, eye: 'OS', errorsOnly: true });
    await settle();
    expect(transport.calls.filter((c) => c.method === 'images.query').at(-1)?.input).toEqual({ filter: { eye: 'OS', status: 'error' }, offset: 0, limit: 100 });
  });

  it('steps over failed files when walking to the next image', async () => {
    const { transport, api } = fakeClient();
    answerMeta(transport);
    transport.answer('images.query', { total: 4, items: [item(1), item(2, 'error'), item(3, 'error'), item(4)] });
    const dataset = new DatasetState(api, new ErrorsState());
    dataset.activate();
    await settle();
    expect(await dataset.neighbour(0, 1)).toEqual({ index: 3, id: 4 });
    expect(await dataset.neighbour(3, -1)).toEqual({ index: 0, id: 1 });
    expect(await dataset.neighbour(3, 1)).toBeNull();
  });

  it('creates a split and shows the new list; a refusal goes through the error path', async () => {
    const { transport, api } = fakeClient();
    const errors = new ErrorsState();
    const dataset = new DatasetState(api, errors);
    transport.answer('splits.create', { id: 1 }).answer('splits.list', [{ id: 1, name: 's1' }]);
    expect(await dataset.createSplit({ name: 's1', seed: 3, val: 0.2, test: 0.1, labelSetId: 2 })).toBe(true);
    expect(transport.calls[0]).toEqual({ method: 'splits.create', input: { name: 's1', seed: 3, val: 0.2, test: 0.1, labelSetId: 2 } });
    expect(dataset.splits.map((s) => s.name)).toEqual(['s1']);
    transport.fail('splits.create', 'invalid_input', 'val + test must leave patients for training');
    expect(await dataset.createSplit({ name: 's2', seed: 0, val: 0.5, test: 0.5, labelSetId: null })).toBe(false);
    expect(errors.list.at(-1)?.message).toBe('Could not create the split');
  });
});

describe('dataset wiring in the services', () => {
  it('reloads the grid when an import changes the counts, and starts over on another project', async () => {
    const { transport, api } = fakeClient();
    answerMeta(transport);
    transport.answer('projects.current', summary(0)).answer('projects.recent', []).answer('jobs.list', []);
    transport.answer('images.query', { total: 0, items: [] });
    const services = createServices(api, window);
    const stop = startServices(services);
    await settle();
    services.dataset.activate();
    await settle();
    const queries = () => transport.calls.filter((c) => c.method === 'images.query').length;
    const before = queries();

    transport.answer('images.query', { total: 1, items: [item(1)] });
    transport.emit({ type: 'project.changed', project: summary(1) });
    await settle();
    expect(queries()).toBe(before + 1);
    expect(services.dataset.pages.total).toBe(1);

    transport.emit({ type: 'project.changed', project: { ...summary(1), dir: '/other' } });
    expect(services.dataset.pages.total).toBeNull();
    expect(services.dataset.active).toBe(false);
    stop();
  });
});
