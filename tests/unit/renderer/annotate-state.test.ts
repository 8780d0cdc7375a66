import { describe, expect, it } from 'vitest';
import type { OrderItem } from '../../../renderer/src/lib/annotate/order.js';
import { AnnotateSession, type LoadedImage } from '../../../renderer/src/lib/state/annotate-session.svelte.js';
import { ANNOTATOR_KEY, AnnotateState, LABEL_SET_KEY } from '../../../renderer/src/lib/state/annotate-state.svelte.js';
import { ErrorsState } from '../../../renderer/src/lib/state/errors.svelte.js';
import { UndoStack } from '../../../renderer/src/lib/state/undo-stack.svelte.js';
import { ANNOTATOR, fakeAnnotationCore, loaded, MULTI, SINGLE } from './annotate-fixture.js';
import { fakeClient, type FakeTransport } from './fake-transport.js';
import { makeJob } from './job-fixture.js';

const settle = async (n = 4) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setTimeout(resolve, 0));
};
const callsOf = (transport: FakeTransport, method: string) => transport.calls.filter((c) => c.method === method);
const order = (...ids: number[]): OrderItem[] => ids.map((imageId, i) => ({ imageId, rank: i + 1, reason: `r${imageId}`, labelled: false }));

function newSession(ids: number[], options: { kind?: 'multi' | 'single'; adjudicate?: boolean; loadImage?: (id: number) => Promise<LoadedImage> } = {}) {
  const { transport, api } = fakeClient();
  const core = fakeAnnotationCore(transport);
  const errors = new ErrorsState();
  const undo = new UndoStack();
  const loads: number[] = [];
  let clock = 0;
  const session = new AnnotateSession(api, errors, undo, {
    annotator: ANNOTATOR,
    labelSet: options.kind === 'single' ? SINGLE : MULTI,
    order: order(...ids),
    adjudicate: options.adjudicate ?? false,
    loadImage: options.loadImage ?? (async (id) => (loads.push(id), loaded(id, ids))),
    now: () => clock,
  });
  return { transport, core, errors, undo, session, loads, tick: (ms: number) => (clock += ms) };
}

const values = (session: AnnotateSession) => session.labels?.map((l) => l.value);

describe('AnnotateSession', () => {
  it('shows the first image with its labels and prefetches the next two (pixels and labels)', async () => {
    const { session, loads, transport } = newSession([1, 2, 3, 4]);
    await session.start();
    await settle();
    expect(session.imageId).toBe(1);
    expect(session.viewer.detail?.id).toBe(1);
    expect(values(session)).toEqual([null, null, null]);
    expect(loads.sort()).toEqual([1, 2, 3]);
    expect(session.isPrefetched(2) && session.isPrefetched(3)).toBe(true);
    expect(session.isPrefetched(4)).toBe(false);
    expect(callsOf(transport, 'annotations.image').map((c) => (c.input as { imageId: number }).imageId).sort()).toEqual([1, 2, 3]);
  });

  it('shows a prefetched image synchronously on next, and fetches further ahead', async () => {
    const { session, loads } = newSession([1, 2, 3, 4]);
    await session.start();
    await settle();
    const moving = session.command({ type: 'next' });
    // Before any await: the viewer already shows image 2 and its labels are known.
    expect(session.viewer.detail?.id).toBe(2);
    expect(session.labels).not.toBeNull();
    expect(session.viewer.loading).toBe(false);
    await moving;
    await settle();
    expect(loads).toContain(4);
  });

  it('writes each key at once, shows it before the answer, and undoes the newest write set', async () => {
    const { session, core, undo } = newSession([1, 2]);
    await session.start();
    await settle();
    const writing = session.command({ type: 'toggle', index: 0 });
    expect(values(session)).toEqual(['present', null, null]); // optimistic
    await writing;
    await session.command({ type: 'toggle', index: 2 });
    await session.command({ type: 'uncertain' }); // the label last touched: SRF
    await settle();
    expect(core.value(1, 11)).toBe('present');
    expect(core.value(1, 13)).toBe('uncertain');
    expect(values(session)).toEqual(['present', null, 'uncertain']);
    expect(undo.size).toBe(3);
    expect(session.saves).toBe(3);

    await session.command({ type: 'undo' });
    await settle();
    expect(core.value(1, 13)).toBe('present');
    expect(values(session)).toEqual(['present', null, 'present']);
    await session.command({ type: 'none' }); // 0: all absent, one undo step
    await settle();
    expect([core.value(1, 11), core.value(1, 12), core.value(1, 13)]).toEqual(['absent', 'absent', 'absent']);
    expect(undo.size).toBe(3);
    await session.command({ type: 'undo' });
    await settle();
    expect([core.value(1, 11), core.value(1, 12), core.value(1, 13)]).toEqual(['present', null, 'present']);
  });

  it('rolls a refused write back on screen, reports it and leaves no undo step', async () => {
    const { session, core, errors, undo } = newSession([1]);
    await session.start();
    await settle();
    core.state.failNext = true;
    await session.command({ type: 'toggle', index: 1 });
    await settle();
    expect(values(session)).toEqual([null, null, null]);
    expect(errors.list[0]?.message).toMatch(/Could not save the label of image 1; it was rolled back/);
    expect(undo.size).toBe(0);
  });

  it('keeps a window of images around the current one, and reads labels again on the way back', async () => {
    const { session, transport, core } = newSession([1, 2, 3, 4, 5, 6, 7, 8]);
    await session.start();
    await settle();
    await session.command({ type: 'toggle', index: 0 });
    for (let i = 0; i < 5; i++) await session.command({ type: 'next' });
    await settle();
    expect(session.imageId).toBe(6);
    expect(session.isPrefetched(1)).toBe(false);
    expect(session.isPrefetched(8)).toBe(true);
    const reads = callsOf(transport, 'annotations.image').length;
    await session.go(0);
    expect(callsOf(transport, 'annotations.image').length).toBeGreaterThan(reads);
    expect(values(session)).toEqual(['present', null, null]);
    expect(core.value(1, 11)).toBe('present');
  });

  it('undo on an earlier image goes back to it', async () => {
    const { session, core } = newSession([1, 2, 3]);
    await session.start();
    await settle();
    await session.command({ type: 'toggle', index: 1 });
    await session.command({ type: 'next' });
    await settle();
    expect(session.imageId).toBe(2);
    await session.command({ type: 'undo' });
    await settle();
    expect(core.value(1, 12)).toBeNull();
    expect(session.imageId).toBe(1);
    expect(values(session)).toEqual([null, null, null]);
  });

  it('single-label: a key chooses the class and the others show absent', async () => {
    const { session, core } = newSession([1], { kind: 'single' });
    await session.start();
    await settle();
    await session.command({ type: 'toggle', index: 1 });
    await settle();
    expect(values(session)).toEqual(['absent', 'present', 'absent']);
    expect(core.value(1, 21)).toBe('absent');
  });

  it('adjudication writes with adjudicate and shows the adjudicated value', async () => {
    const { session, core } = newSession([1], { adjudicate: true });
    await session.start();
    await settle();
    await session.command({ type: 'toggle', index: 0 });
    await settle();
    expect(core.state.setCalls[0]).toMatchObject({ imageId: 1, labelId: 11, adjudicate: true });
    expect(core.value(1, 11, 99)).toBe('present');
    expect(values(session)).toEqual(['present', null, null]);
    expect(session.labels?.[0]?.label.effective?.source).toBe('adjudication');
  });

  it('records the time on screen when leaving an image, and finishes past the last', async () => {
    const { session, transport, tick } = newSession([1, 2]);
    await session.start();
    tick(4200);
    await session.command({ type: 'skip' });
    expect(session.skipped.has(1)).toBe(true);
    expect(callsOf(transport, 'annotations.addTime')[0]?.input).toEqual({ imageId: 1, annotatorId: 5, labelSetId: 1, seconds: 4.2 });
    tick(1000);
    await session.command({ type: 'next' });
    expect(session.finished).toBe(true);
    expect(callsOf(transport, 'annotations.addTime')).toHaveLength(2);
    await session.command({ type: 'prev' });
    expect(session.imageId).toBe(2);
  });

  it('stops the clock while the screen is hidden or another tab is shown', async () => {
    const { session, transport, tick } = newSession([1, 2]);
    await session.start();
    await settle();
    tick(2000);
    session.leave();
    tick(60_000); // hidden: not counted
    session.resume();
    tick(1000);
    await session.command({ type: 'next' });
    expect(callsOf(transport, 'annotations.addTime').map((c) => (c.input as { seconds: number }).seconds)).toEqual([2, 1]);
  });

  it('shows a neighbouring slice for context while the labels stay with the labelled one', async () => {
    const { session } = newSession([1, 2, 3]);
    await session.start();
    await settle();
    await session.command({ type: 'slice', delta: 1 });
    expect(session.context).toBe(1);
    expect(session.viewer.detail?.id).toBe(2);
    expect(session.imageId).toBe(1);
    await session.command({ type: 'slice', delta: -5 });
    expect(session.context).toBe(0);
    expect(session.viewer.detail?.id).toBe(1);
  });
});

describe('AnnotateState', () => {
  function newState(storage = new Map<string, string>()) {
    const { transport, api } = fakeClient();
    const core = fakeAnnotationCore(transport);
    transport.answer('labels.stats', [{ id: 1, name: 'Biomarkers', kind: 'multi_label', labels: [] }]);
    transport.answer('annotations.resolution', { bySource: { human: 2 }, unresolvedDisagreements: 0 });
    transport.answer('annotations.queue', null);
    const errors = new ErrorsState();
    const store = { getItem: (k: string) => storage.get(k) ?? null, setItem: (k: string, v: string) => void storage.set(k, v) };
    const state = new AnnotateState(api, errors, store, { loadImage: async (id) => loaded(id) });
    return { transport, core, errors, state, storage };
  }

  it('remembers the annotator and the label set', async () => {
    const { state, storage } = newState(new Map([[LABEL_SET_KEY, '2']]));
    await state.activate();
    expect(state.labelSet?.id).toBe(2);
    await state.chooseAnnotator('Ada');
    expect(storage.get(ANNOTATOR_KEY)).toBe('Ada');
    expect(state.rememberedName).toBe('Ada');
  });

  it('follows the newest queue from its first unlabelled item', async () => {
    const { state, transport } = newState();
    transport.answer('annotations.queue', {
      id: 3,
      strategy: 'typiclust',
      createdAt: '',
      items: [
        { rank: 1, imageId: 40, reason: 'typical of cluster 1', score: 0.9, labelled: true },
        { rank: 2, imageId: 41, reason: 'typical of cluster 2', score: 0.8, labelled: false },
      ],
    });
    await state.activate();
    await state.chooseAnnotator('Ada');
    await state.startLabelling();
    await settle();
    expect(state.session?.order.map((o) => o.imageId)).toEqual([40, 41]);
    expect(state.session?.imageId).toBe(41);
    expect(state.session?.item?.reason).toBe('typical of cluster 2');
  });

  it('without a queue, labels the unlabelled images of the first label and pages on at the end', async () => {
    const { state, transport } = newState();
    let page = 0;
    transport.handlers.set('images.query', () => {
      page++;
      // The second request sees image 7 still unlabelled (skipped) and a new one, 9.
      const items = page === 1 ? [{ id: 7 }, { id: 8 }] : [{ id: 7 }, { id: 9 }];
      return { ok: true, result: { total: items.length, items } };
    });
    await state.activate();
    await state.chooseAnnotator('Ada');
    await state.startLabelling();
    await settle();
    expect(callsOf(transport, 'images.query')[0]?.input).toMatchObject({ filter: { status: 'ok', label: { id: 11, value: 'unknown' } }, offset: 0 });
    const session = state.session!;
    expect(session.order.map((o) => o.imageId)).toEqual([7, 8]);
    await session.command({ type: 'next' });
    await session.command({ type: 'next' });
    expect(session.order.map((o) => o.imageId)).toEqual([7, 8, 9]);
    expect(session.imageId).toBe(9);
  });

  it('starts a queue job and reloads the queue when it completes', async () => {
    const { state, transport } = newState();
    transport.answer('jobs.start', makeJob({ id: 12, kind: 'annotate.queue', status: 'queued' }));
    await state.activate();
    await state.computeQueue({ strategy: 'random', budget: 20, seed: 1, onePerPatient: true, trainOnly: false });
    expect(callsOf(transport, 'jobs.start')[0]?.input).toEqual({ kind: 'annotate.queue', params: { labelSetId: 1, strategy: 'random', budget: 20, seed: 1, onePerPatient: true, trainOnly: false } });
    const before = callsOf(transport, 'annotations.queue').length;
    state.jobUpdated(makeJob({ id: 12, kind: 'annotate.queue', status: 'running' }));
    state.jobUpdated(makeJob({ id: 11, kind: 'pipeline', status: 'completed' }));
    expect(callsOf(transport, 'annotations.queue')).toHaveLength(before);
    state.jobUpdated(makeJob({ id: 12, kind: 'annotate.queue', status: 'completed' }));
    await settle();
    expect(callsOf(transport, 'annotations.queue')).toHaveLength(before + 1);
    // A queue job for this set started elsewhere (the CLI, before a reload) is followed too; other sets' are not.
    state.jobUpdated(makeJob({ id: 20, kind: 'annotate.queue', status: 'completed', params: { labelSetId: 2 } }));
    state.jobUpdated(makeJob({ id: 21, kind: 'annotate.queue', status: 'completed', params: { labelSetId: 1 } }));
    await settle();
    expect(callsOf(transport, 'annotations.queue')).toHaveLength(before + 2);
  });

  it('creates, edits and deletes label sets, and adds the OLIVES preset, then shows the set', async () => {
    const { state, transport } = newState();
    transport.answer('labelSets.create', { ...MULTI, id: 7 }).answer('labelSets.addOlivesPreset', { ...MULTI, id: 8 }).answer('labelSets.update', MULTI).answer('labelSets.delete', null);
    await state.activate();
    expect(await state.createLabelSet('Fluid', 'single_label', ['none', 'IRF', 'SRF'])).toBe(true);
    expect(callsOf(transport, 'labelSets.create')[0]?.input).toEqual({ name: 'Fluid', kind: 'single_label', labels: ['none', 'IRF', 'SRF'] });
    expect(await state.addOlivesPreset()).toBe(true);
    await state.updateLabelSet(1, 'Renamed', [{ id: 12, name: 'IRF', shortName: null }, { name: 'PED', shortName: 'PED' }], false);
    expect(callsOf(transport, 'labelSets.update')[0]?.input).toEqual({ id: 1, name: 'Renamed', labels: [{ id: 12, name: 'IRF', shortName: null }, { name: 'PED', shortName: 'PED' }] });
    transport.fail('labelSets.delete', 'invalid_input', 'label DRT has 3 annotations');
    expect(await state.deleteLabelSet(1, false)).toBe(false);
  });

  it('batch: one setMany, one undo step', async () => {
    const { state, transport } = newState();
    transport.answer('annotations.setMany', [{ imageId: 1, labelId: 11, annotatorId: 5, previous: null, value: 'present' }]);
    await state.activate();
    await state.chooseAnnotator('Ada');
    expect(await state.applyToMany([1, 2], 11, 'present')).toBe(true);
    expect(callsOf(transport, 'annotations.setMany')[0]?.input).toEqual({ imageIds: [1, 2], labelId: 11, annotatorId: 5, value: 'present' });
    expect(state.undo.size).toBe(1);
    await state.undoLast();
    expect(callsOf(transport, 'annotations.revert')[0]?.input).toEqual({ changes: [{ imageId: 1, labelId: 11, annotatorId: 5, previous: null, value: 'present' }] });
    expect(state.undo.size).toBe(0);
  });
});
