/**
 * A fake core for the Annotate view's state: label sets, per-image labels kept in a map and
 * changed by `annotations.set` / `revert` as the core does (single-label exclusivity included),
 * so tests check what was written and what the screen shows after undo and rollback.
 */
import type { ImageDetail } from '../../../src-main/api/types.js';
import type { AnnotationChange, AnnotationValue, ImageLabel, LabelSet } from '../../../renderer/src/lib/annotate/types.js';
import type { LoadedImage } from '../../../renderer/src/lib/state/annotate-session.svelte.js';
import type { FakeTransport } from './fake-transport.js';

export const MULTI: LabelSet = {
  id: 1,
  name: 'Biomarkers',
  kind: 'multi_label',
  description: '',
  labels: [
    { id: 11, name: 'DRT', position: 0, shortName: null },
    { id: 12, name: 'IRF', position: 1, shortName: null },
    { id: 13, name: 'SRF', position: 2, shortName: null },
  ],
};
export const SINGLE: LabelSet = { ...MULTI, id: 2, name: 'Grade', kind: 'single_label', labels: [{ id: 21, name: 'normal', position: 0, shortName: null }, { id: 22, name: 'early', position: 1, shortName: null }, { id: 23, name: 'late', position: 2, shortName: null }] };
export const ANNOTATOR = { id: 5, name: 'Ada', kind: 'human' as const };

export function detail(id: number, sliceIds: number[] = [id]): ImageDetail {
  return {
    id, relPath: `s${id}.png`, patient: 'P1', eye: 'OD', visit: 'V1', sliceIndex: sliceIds.indexOf(id), frameIndex: 0, width: 4, height: 2, status: 'ok', error: null,
    contentHash: null, byteSize: null, bitDepth: 8, window: null, source: { id: 1, kind: 'folder', label: 'x' }, volume: { id: 1, sliceIds }, labels: [], clinical: [],
  };
}

export function loaded(id: number, sliceIds?: number[]): LoadedImage {
  return { detail: detail(id, sliceIds), pixels: { width: 4, height: 2, bitDepth: 8, samples: new Uint8Array(8), storedWindow: null } };
}

/** Answers the annotation calls from an in-memory store; `failNext` makes the next set fail. */
export function fakeAnnotationCore(transport: FakeTransport, sets: LabelSet[] = [MULTI, SINGLE]) {
  const store = new Map<string, AnnotationValue>();
  const key = (imageId: number, labelId: number, annotatorId: number) => `${imageId}/${labelId}/${annotatorId}`;
  const state = { failNext: false, setCalls: [] as { imageId: number; labelId: number; value: AnnotationValue | null; adjudicate?: boolean }[] };
  const write = (imageId: number, labelId: number, annotatorId: number, value: AnnotationValue | null): AnnotationChange => {
    const k = key(imageId, labelId, annotatorId);
    const previous = store.get(k) ?? null;
    if (value === null) store.delete(k);
    else store.set(k, value);
    return { imageId, labelId, annotatorId, previous, value };
  };
  transport.answer('labelSets.list', sets);
  transport.answer('annotators.list', [ANNOTATOR]);
  transport.answer('annotators.ensure', ANNOTATOR);
  transport.answer('annotations.addTime', 1);
  transport.handlers.set('annotations.set', (input) => {
    const i = input as { imageId: number; labelId: number; annotatorId: number; value: AnnotationValue | null; adjudicate?: boolean };
    state.setCalls.push(i);
    if (state.failNext) {
      state.failNext = false;
      return { ok: false, error: { code: 'internal', message: 'disk full' } };
    }
    const set = sets.find((s) => s.labels.some((l) => l.id === i.labelId))!;
    const annotator = i.adjudicate ? 99 : i.annotatorId;
    const changes = [write(i.imageId, i.labelId, annotator, i.value)];
    if (set.kind === 'single_label' && i.value === 'present') for (const l of set.labels) if (l.id !== i.labelId) changes.push(write(i.imageId, l.id, annotator, 'absent'));
    return { ok: true, result: changes };
  });
  transport.handlers.set('annotations.revert', (input) => {
    for (const c of [...(input as { changes: AnnotationChange[] }).changes].reverse()) write(c.imageId, c.labelId, c.annotatorId, c.previous);
    return { ok: true, result: null };
  });
  transport.handlers.set('annotations.image', (input) => {
    const { imageId, labelSetId, annotatorId } = input as { imageId: number; labelSetId: number; annotatorId: number };
    const set = sets.find((s) => s.id === labelSetId)!;
    const labels: ImageLabel[] = set.labels.map((l) => {
      const mine = store.get(key(imageId, l.id, annotatorId)) ?? null;
      const adjudicated = store.get(key(imageId, l.id, 99)) ?? null;
      const all = [
        ...(mine ? [{ annotator: 'Ada', source: 'human', value: mine }] : []),
        ...(adjudicated ? [{ annotator: 'Ada (adjudication)', source: 'adjudication', value: adjudicated }] : []),
      ];
      const effective = adjudicated ? { value: adjudicated, source: 'adjudication', annotator: 'Ada (adjudication)' } : mine ? { value: mine, source: 'human', annotator: 'Ada' } : null;
      return { labelId: l.id, name: l.name, mine, effective, all };
    });
    return { ok: true, result: labels };
  });
  const value = (imageId: number, labelId: number, annotatorId = ANNOTATOR.id) => store.get(key(imageId, labelId, annotatorId)) ?? null;
  return { store, state, value };
}
