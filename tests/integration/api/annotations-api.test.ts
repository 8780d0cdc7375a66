import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppCore } from '../../../src-main/api/core.js';
import { dispatch } from '../../../src-main/api/dispatch.js';
import { createLabelledProject, type LabelledProject } from '../../fixtures/labelled-project.js';
import { makeTempDir } from '../../fixtures/temp-dir.js';

describe('annotation endpoints through dispatch', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let core: AppCore;
  let lp: LabelledProject;

  beforeEach(async () => {
    temp = makeTempDir();
    const dir = path.join(temp.dir, 'p');
    lp = createLabelledProject(dir);
    lp.project.close();
    core = new AppCore({ appHome: path.join(temp.dir, 'home') });
    expect(await dispatch(core, 'projects.open', { dir })).toMatchObject({ ok: true });
  });
  afterEach(() => {
    core.dispose();
    temp.cleanup();
  });

  const call = async <T>(method: string, input: unknown): Promise<T> => {
    const r = await dispatch(core, method, input);
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    return r.result as T;
  };

  it('labels with undo, and records the time spent', async () => {
    const alice = await call<{ id: number }>('annotators.ensure', { name: 'Alice' });
    const imageId = lp.imageId(0, 0);
    const labelId = lp.multiLabelIds[0]!;
    const changes = await call<unknown[]>('annotations.set', { imageId, labelId, annotatorId: alice.id, value: 'present' });
    const labels = await call<{ mine: string | null }[]>('annotations.image', { imageId, labelSetId: lp.multiSetId, annotatorId: alice.id });
    expect(labels[0]!.mine).toBe('present');
    await call('annotations.revert', { changes });
    expect((await call<{ mine: string | null }[]>('annotations.image', { imageId, labelSetId: lp.multiSetId, annotatorId: alice.id }))[0]!.mine).toBeNull();
    expect(await call('annotations.addTime', { imageId, annotatorId: alice.id, labelSetId: lp.multiSetId, seconds: 1.5 })).toBe(1.5);
  });

  it('answers bad requests with invalid_input and a reason, changing nothing', async () => {
    const bad = await dispatch(core, 'annotations.set', { imageId: lp.imageId(0, 0), labelId: lp.multiLabelIds[0], annotatorId: lp.importAnnotator, value: 'present' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringMatching(/not a human annotator/) } });
    const wrongValue = await dispatch(core, 'annotations.set', { imageId: 1, labelId: 1, annotatorId: 1, value: 'maybe' });
    expect(wrongValue).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    const dup = await dispatch(core, 'labelSets.create', { name: 'Biomarkers', kind: 'multi_label', labels: ['x'] });
    expect(dup).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringMatching(/exists already/) } });
  });

  it('creates, edits and lists label sets, with the OLIVES preset', async () => {
    const preset = await call<{ id: number; labels: { name: string }[] }>('labelSets.addOlivesPreset', {});
    expect(preset.labels).toHaveLength(6);
    const sets = await call<{ name: string }[]>('labelSets.list', {});
    expect(sets.map((s) => s.name)).toEqual(['Biomarkers', 'Grade', 'OLIVES six biomarkers']);
    const edited = await call<{ name: string; labels: { name: string }[] }>('labelSets.update', { id: preset.id, name: 'Six', labels: [{ name: 'New one' }] , removeAnnotated: true });
    expect(edited).toMatchObject({ name: 'Six', labels: [{ name: 'New one' }] });
    expect(await call('annotations.resolution', { labelSetId: lp.multiSetId })).toMatchObject({ bySource: { import: expect.any(Number), human: expect.any(Number) } });
  });

  it('makes a queue of hand-picked images that the Annotate view follows, refusing unknown images', async () => {
    const ids = [lp.imageId(3, 1), lp.imageId(0, 0), lp.imageId(3, 1)];
    const made = await call<{ id: number; items: number }>('annotations.queueManual', { labelSetId: lp.multiSetId, imageIds: ids, reason: 'box on the PCA map' });
    expect(made.items).toBe(2);
    const q = await call<{ strategy: string; items: { rank: number; imageId: number; reason: string }[] }>('annotations.queue', { labelSetId: lp.multiSetId });
    expect(q).toMatchObject({ strategy: 'manual', items: [{ rank: 1, imageId: ids[0], reason: 'box on the PCA map' }, { rank: 2, imageId: ids[1] }] });
    const bad = await dispatch(core, 'annotations.queueManual', { labelSetId: lp.multiSetId, imageIds: [999_999] });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringMatching(/not usable images/) } });
  });
});

