import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChildRun, RunDetail } from '../../../renderer/src/lib/results/results-view.js';
import { ErrorsState } from '../../../renderer/src/lib/state/errors.svelte.js';
import { spreadSteps } from '../../../renderer/src/lib/state/inspect-attention.svelte.js';
import { inspectRuns, InspectState } from '../../../renderer/src/lib/state/inspect-state.svelte.js';
import { fakeClient, type FakeTransport } from './fake-transport.js';
import { makeJob } from './job-fixture.js';
import { runDetail, runItem } from './results-fixture.js';

const settle = async (n = 4) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setTimeout(resolve, 0));
};
const callsOf = (transport: FakeTransport, method: string) => transport.calls.filter((c) => c.method === method);

function child(id: number, kind: ChildRun['kind'], overrides: Partial<ChildRun> = {}): ChildRun {
  return { id, kind, name: `${kind} ${id}`, status: 'completed', error: null, seed: 0, arm: null, budget: null, createdAt: '', startedAt: null, finishedAt: null, val: null, test: null, metricNames: [], ...overrides };
}

/** Pipeline 10 (pretrain 11, linear probe 12) and a stand-alone pretraining run 5. */
function details(): Record<number, RunDetail> {
  const pipeline = runDetail(10);
  pipeline.children = [child(11, 'pretrain', { metricNames: ['loss', 'teacher_entropy', 'collapse_warning'] }), child(12, 'linear_probe', { arm: 'dino_linear', budget: { kind: 'fraction', value: 0.25, patients: 3, images: 30 }, metricNames: ['train_loss'] })];
  const alone = runDetail(5);
  alone.run = { ...alone.run, kind: 'pretrain' };
  alone.self = child(5, 'pretrain', { status: 'running', metricNames: ['loss'] });
  return { 10: pipeline, 5: alone };
}

const attentionResult = (heads = 2) => ({
  heads,
  grid: [2, 2] as [number, number],
  maps: Array.from({ length: heads }, (_, h) => [0.1 * (h + 1), 0.2, 0.3, 0.4]),
  mean: [0.15, 0.2, 0.3, 0.4],
  rollout: false,
  model: 'run 11 teacher (final)',
  inputSize: 32,
  seconds: 0.05,
});

const embeddingMap = (labels: { name: string; values: (number | null)[] }[] = []) => ({
  runId: 11,
  method: 'pca',
  imageIds: [1, 2, 3],
  x: [0, 1, 2],
  y: [2, 1, 0],
  patient: ['P1', 'P1', 'P2'],
  eye: ['OD', 'OD', 'OS'],
  visit: ['V1', 'V1', 'V1'],
  subset: ['train', 'train', 'test'],
  labels,
  predictions: null,
  meta: {},
});

function newInspect() {
  const { transport, api } = fakeClient();
  const all = details();
  transport.answer('runs.list', [runItem(10), runItem(5, { kind: 'pretrain' })]);
  transport.handlers.set('runs.get', (input) => ({ ok: true, result: all[(input as { id: number }).id] }));
  transport.answer('labelSets.list', [{ id: 3, name: 'Biomarkers', kind: 'multi_label', description: null, labels: [] }]);
  transport.answer('inspect.checkpoints', [2, 4, 6, 8, 10]);
  transport.answer('inspect.attention', attentionResult());
  transport.answer('inspect.embeddingMap', embeddingMap());
  transport.answer('runs.metrics', [{ name: 'loss', total: 2, steps: [0, 1], values: [5, 4] }]);
  const errors = new ErrorsState();
  return { transport, inspect: new InspectState(api, errors), errors };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the runs that can be inspected', () => {
  it('flattens pipelines into their pretraining and classifier stages, newest first, with readable labels', () => {
    const runs = inspectRuns(Object.values(details()));
    expect(runs.map((r) => [r.id, r.kind, r.parentId])).toEqual([
      [12, 'linear_probe', 10],
      [11, 'pretrain', 10],
      [5, 'pretrain', null],
    ]);
    expect(runs[0]!.label).toBe('run 12 · dino_linear · 25 % (pipeline 10)');
    expect(runs[2]!.label).toBe('run 5 · pretrain · running');
  });

  it('loads once per project, chooses the newest teacher for attention and the map, and resets on another project', async () => {
    const { transport, inspect } = newInspect();
    inspect.activate('/a');
    inspect.activate('/a');
    await settle();
    expect(callsOf(transport, 'runs.list')).toHaveLength(1);
    expect(inspect.loaded).toBe(true);
    expect(inspect.pretrainRuns.map((r) => r.id)).toEqual([11, 5]);
    expect(inspect.attention.runId).toBe(11);
    expect(inspect.attention.checkpoints).toEqual([2, 4, 6, 8, 10]);
    expect(inspect.embedding.runId).toBe(11);
    expect(inspect.embedding.status).toBe('ready');
    expect(inspect.charts.chosen).toEqual([12]);
    inspect.activate('/b');
    expect(inspect.loaded).toBe(false);
    expect(inspect.attention.runId).toBeNull();
    await settle();
    expect(callsOf(transport, 'runs.list')).toHaveLength(2);
  });
});

describe('InspectAttentionState', () => {
  it('fetches the maps for run and image, with checkpoint and rollout, and measures the round trip', async () => {
    const { transport, inspect } = newInspect();
    const a = inspect.attention;
    await a.chooseRun(11, inspectRuns(Object.values(details())));
    expect(callsOf(transport, 'inspect.attention')).toHaveLength(0); // no image yet
    await a.chooseImage(7);
    expect(callsOf(transport, 'inspect.attention').at(-1)?.input).toEqual({ runId: 11, imageId: 7, rollout: false });
    expect(a.result?.heads).toBe(2);
    expect(a.latencyMs).toBeGreaterThanOrEqual(0);
    await a.chooseCheckpoint(4);
    await a.setRollout(true);
    expect(callsOf(transport, 'inspect.attention').at(-1)?.input).toEqual({ runId: 11, imageId: 7, rollout: true, checkpointStep: 4 });
    await a.chooseImage(-1); // not an id: ignored
    expect(a.imageId).toBe(7);
  });

  it('gives one panel per chosen head, every head and the mean for "all", and clamps the display options', async () => {
    const { inspect } = newInspect();
    const a = inspect.attention;
    await a.chooseRun(11, []);
    await a.chooseImage(7);
    expect(a.panels.map((p) => p.title)).toEqual(['mean of 2 heads']);
    a.setHead(1);
    expect(a.panels).toEqual([{ title: 'head 2 of 2', map: [0.2, 0.2, 0.3, 0.4] }]);
    a.setHead('all');
    expect(a.panels.map((p) => p.title)).toEqual(['head 1', 'head 2', 'mean']);
    a.setOpacity(3);
    a.setThreshold(-1);
    expect([a.opacity, a.threshold]).toEqual([1, 0]);
    expect(a.share).toBe(0);
    a.setThresholdOn(false);
    expect(a.share).toBeNull();
  });

  it('shows the core’s message for a run without attention (a ResNet) instead of maps', async () => {
    const { transport, inspect, errors } = newInspect();
    transport.fail('inspect.attention', 'invalid_input', 'Run 12 has a ResNet backbone: attention maps need a ViT.');
    await inspect.attention.chooseRun(12, []);
    await inspect.attention.chooseImage(3);
    expect(inspect.attention.result).toBeNull();
    expect(inspect.attention.error).toMatch(/ResNet/);
    expect(errors.list).toHaveLength(0);
  });

  it('loads the maps over training at evenly spread kept checkpoints and the end', async () => {
    const { transport, inspect } = newInspect();
    const a = inspect.attention;
    await a.chooseRun(11, inspectRuns(Object.values(details())));
    await a.chooseImage(7);
    await a.loadOverTraining(3);
    expect(a.frames.map((f) => f.step)).toEqual([2, 6, 10, null]);
    expect(a.frames.every((f) => f.result !== null)).toBe(true);
    expect(callsOf(transport, 'inspect.attention').slice(-4).map((c) => (c.input as { checkpointStep?: number }).checkpointStep)).toEqual([2, 6, 10, undefined]);
    expect(spreadSteps([1, 2], 4)).toEqual([1, 2]);
    expect(spreadSteps([1, 2, 3, 4, 5, 6, 7], 4)).toEqual([1, 3, 5, 7]);
    expect(spreadSteps([1, 2, 3], 1)).toEqual([3]);
  });

  it('lists a page of images to pick from and picks the first when none is chosen', async () => {
    const { transport, inspect } = newInspect();
    transport.answer('images.query', { total: 30, items: [{ id: 21 }, { id: 22 }] });
    await inspect.attention.loadPicker(12);
    expect(callsOf(transport, 'images.query')[0]?.input).toEqual({ offset: 12, limit: 12 });
    expect(inspect.attention.picker?.items).toHaveLength(2);
    expect(inspect.attention.imageId).toBe(21);
  });
});

describe('InspectEmbeddingState', () => {
  it('computes a missing map with a job, follows it and reads the map when it completes', async () => {
    const { transport, inspect } = newInspect();
    const e = inspect.embedding;
    transport.answer('inspect.embeddingMap', null);
    await e.chooseRun(11);
    expect(e.status).toBe('missing');
    transport.answer('jobs.start', makeJob({ id: 40, kind: 'inspect.embedding', status: 'queued' }));
    await e.compute();
    expect(callsOf(transport, 'jobs.start')[0]?.input).toEqual({ kind: 'inspect.embedding', params: { runId: 11, method: 'pca' } });
    expect(e.status).toBe('computing');
    e.jobUpdated(makeJob({ id: 41, kind: 'inspect.embedding', status: 'completed' })); // someone else's job
    e.jobUpdated(makeJob({ id: 40, kind: 'inspect.embedding', progress: 0.5, message: 'Features 50 %' }));
    expect(e.job?.progress).toBe(0.5);
    transport.answer('inspect.embeddingMap', embeddingMap());
    e.jobUpdated(makeJob({ id: 40, kind: 'inspect.embedding', status: 'completed', progress: 1 }));
    await settle();
    expect(e.status).toBe('ready');
    expect(e.map?.imageIds).toEqual([1, 2, 3]);
    expect(e.colours?.legend.map((l) => l.name)).toEqual(['P1', 'P2']);
  });

  it('says why the job failed', async () => {
    const { transport, inspect } = newInspect();
    transport.answer('inspect.embeddingMap', null).answer('jobs.start', makeJob({ id: 40, kind: 'inspect.embedding' }));
    await inspect.embedding.chooseRun(11);
    await inspect.embedding.compute();
    inspect.embedding.jobUpdated(makeJob({ id: 40, kind: 'inspect.embedding', status: 'failed', error: { name: 'Error', message: 'Run 11 has no teacher weights.' } }));
    expect(inspect.embedding.status).toBe('failed');
    expect(inspect.embedding.failure).toBe('Run 11 has no teacher weights.');
  });

  it('colours by a label of the chosen label set and re-reads the map with that set, keeping the selection', async () => {
    const { transport, inspect } = newInspect();
    const e = inspect.embedding;
    await e.chooseRun(11);
    e.select([0, 2]);
    transport.answer('inspect.embeddingMap', embeddingMap([{ name: 'IRF', values: [1, 0, null] }]));
    await e.chooseLabelSet(3);
    expect(callsOf(transport, 'inspect.embeddingMap').at(-1)?.input).toEqual({ runId: 11, method: 'pca', labelSetId: 3 });
    expect(e.colouring).toEqual({ kind: 'label', label: 'IRF' });
    expect(e.colours?.legend.map((l) => [l.name, l.count])).toEqual([['unknown', 1], ['absent', 1], ['present', 1]]);
    expect(e.selectedCount).toBe(2);
    e.colourBy({ kind: 'subset' });
    expect(e.colours?.legend.map((l) => l.name)).toEqual(['test', 'train']);
    await e.chooseMethod('umap');
    expect(callsOf(transport, 'inspect.embeddingMap').at(-1)?.input).toEqual({ runId: 11, method: 'umap', labelSetId: 3 });
    expect(e.selectedCount).toBe(0); // another map: another set of points
  });

  it('selects points by box (replacing, or adding with a modifier) and lists their image ids', async () => {
    const { inspect } = newInspect();
    const e = inspect.embedding;
    await e.chooseRun(11);
    e.select([0]);
    e.select([2], true);
    expect(e.selectedCount).toBe(2);
    expect(e.selectedImageIds()).toEqual([1, 3]);
    e.select([1, 99]);
    expect(e.selectedImageIds()).toEqual([2]);
    e.clearSelection();
    expect(e.selectedCount).toBe(0);
  });
});

describe('InspectChartsState', () => {
  it('overlays up to six runs, keeps at least one, and asks for the charted metrics of finished runs', async () => {
    const { transport, inspect } = newInspect();
    inspect.activate('/a');
    await settle();
    const c = inspect.charts;
    await c.choose(11);
    expect(callsOf(transport, 'runs.metrics').at(-1)?.input).toEqual({ id: 11, names: ['loss', 'teacher_entropy', 'collapse_warning'] });
    await c.toggle(5);
    expect(c.chosen).toEqual([11, 5]);
    // A running run may record new names: all of them are asked for.
    expect(callsOf(transport, 'runs.metrics').at(-1)?.input).toEqual({ id: 5 });
    expect(c.live).toBe(true);
    expect([...c.series.keys()]).toEqual([11, 5]);
    await c.toggle(11);
    await c.toggle(5);
    expect(c.chosen).toEqual([5]);
  });

  it('refreshes a live run at most every couple of seconds while it trains, and at once when it ends', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { transport, inspect } = newInspect();
    inspect.activate('/a');
    await vi.runAllTimersAsync();
    await inspect.charts.choose(5);
    const before = callsOf(transport, 'runs.metrics').length;
    for (let i = 0; i < 10; i++) inspect.jobUpdated(makeJob({ kind: 'pretrain', runId: 5 }));
    await vi.advanceTimersByTimeAsync(500);
    expect(callsOf(transport, 'runs.metrics').length).toBe(before); // throttled
    await vi.advanceTimersByTimeAsync(2000);
    expect(callsOf(transport, 'runs.metrics').length).toBe(before + 1); // one read for ten events
    inspect.jobUpdated(makeJob({ kind: 'demo.generate' })); // not training: ignored
    const lists = callsOf(transport, 'runs.list').length;
    inspect.jobUpdated(makeJob({ kind: 'pretrain', runId: 5, status: 'completed' }));
    await vi.advanceTimersByTimeAsync(0);
    expect(callsOf(transport, 'runs.list').length).toBe(lists + 1); // the statuses are read again
  });

  it('reads a run’s series once more when it ends (its last steps), and a slower older read does not overwrite a newer one', async () => {
    const { transport, inspect } = newInspect();
    inspect.activate('/a');
    await settle();
    await inspect.charts.choose(5); // run 5 is running
    const before = callsOf(transport, 'runs.metrics').length;
    const ended = inspectRuns(Object.values(details())).map((r) => (r.id === 5 ? { ...r, status: 'completed' } : r));
    inspect.charts.setRuns(ended);
    await settle();
    expect(callsOf(transport, 'runs.metrics').length).toBe(before + 1);
    inspect.charts.setRuns(ended); // nothing changed, nothing live: no read
    await settle();
    expect(callsOf(transport, 'runs.metrics').length).toBe(before + 1);

    let releaseOld: () => void = () => {};
    transport.handlers.set('runs.metrics', () => new Promise((resolve) => (releaseOld = () => resolve({ ok: true, result: [{ name: 'loss', total: 2, steps: [0, 1], values: [5, 4] }] }))));
    const old = inspect.charts.load();
    transport.answer('runs.metrics', [{ name: 'loss', total: 3, steps: [0, 1, 2], values: [5, 4, 3] }]);
    await inspect.charts.load();
    releaseOld();
    await old;
    expect(inspect.charts.series.get(5)?.[0]?.total).toBe(3);
  });
});

describe('following jobs across choices', () => {
  it('shows a map job only for the run and method it computes', async () => {
    const { transport, inspect } = newInspect();
    const e = inspect.embedding;
    transport.answer('inspect.embeddingMap', null).answer('jobs.start', makeJob({ id: 40, kind: 'inspect.embedding', status: 'running' }));
    await e.chooseRun(11);
    await e.compute();
    await e.chooseMethod('umap'); // another map: not the one being computed
    expect(e.status).toBe('missing');
    e.jobUpdated(makeJob({ id: 40, kind: 'inspect.embedding', status: 'running', progress: 0.7 }));
    expect(e.status).toBe('missing');
    await e.chooseMethod('pca'); // back to the one being computed
    expect(e.status).toBe('computing');
    const reads = callsOf(transport, 'inspect.embeddingMap').length;
    e.jobUpdated(makeJob({ id: 40, kind: 'inspect.embedding', status: 'completed' }));
    e.jobUpdated(makeJob({ id: 40, kind: 'inspect.embedding', status: 'completed' })); // the same news twice (event and jobs list)
    expect(callsOf(transport, 'inspect.embeddingMap').length).toBe(reads + 1);
  });

  it('reads the runs list again when a training job trains a run it does not know', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { transport, inspect } = newInspect();
    inspect.activate('/a');
    await vi.runAllTimersAsync();
    const lists = callsOf(transport, 'runs.list').length;
    inspect.jobUpdated(makeJob({ kind: 'pretrain', runId: 11 })); // known and finished: nothing to do
    await vi.advanceTimersByTimeAsync(3000);
    expect(callsOf(transport, 'runs.list').length).toBe(lists);
    inspect.jobUpdated(makeJob({ kind: 'pipeline', runId: 77 }));
    await vi.advanceTimersByTimeAsync(3000);
    expect(callsOf(transport, 'runs.list').length).toBe(lists + 1);
  });
});
