import { describe, expect, it } from 'vitest';
import { patchRgba, toggleChosen } from '../../../renderer/src/lib/inspect/patch-colours.js';
import { ErrorsState } from '../../../renderer/src/lib/state/errors.svelte.js';
import { InspectEmbeddingState } from '../../../renderer/src/lib/state/inspect-embedding.svelte.js';
import { InspectFeaturesState, MAX_FEATURE_IMAGES } from '../../../renderer/src/lib/state/inspect-features.svelte.js';
import { fakeClient, type FakeTransport } from './fake-transport.js';

const callsOf = (transport: FakeTransport, method: string) => transport.calls.filter((c) => c.method === method);
const settle = async (n = 4) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setTimeout(resolve, 0));
};

/** A 1 × 2 grid: a red patch and a blue one. */
const RED_BLUE = [255, 0, 0, 0, 0, 255];
const pixel = (rgba: Uint8ClampedArray, width: number, x: number, y: number) => [...rgba.subarray((y * width + x) * 4, (y * width + x) * 4 + 4)];

describe('patch colours as a layer at the scan’s resolution', () => {
  it('keeps each patch’s colour over its own pixels with nearest upsampling, alpha from the opacity', () => {
    const rgba = patchRgba(RED_BLUE, [1, 2], 4, 2, { resample: 'nearest', opacity: 0.5 });
    expect(pixel(rgba, 4, 0, 0)).toEqual([255, 0, 0, 128]);
    expect(pixel(rgba, 4, 1, 1)).toEqual([255, 0, 0, 128]);
    expect(pixel(rgba, 4, 2, 0)).toEqual([0, 0, 255, 128]);
    expect(pixel(rgba, 4, 3, 1)).toEqual([0, 0, 255, 128]);
  });

  it('blends between patch centres bilinearly, exact at the centres and clamped at the edges', () => {
    const rgba = patchRgba(RED_BLUE, [1, 2], 8, 1, { resample: 'bilinear', opacity: 1 });
    expect(pixel(rgba, 8, 0, 0)).toEqual([255, 0, 0, 255]); // left of the first centre: clamped
    expect(pixel(rgba, 8, 7, 0)).toEqual([0, 0, 255, 255]);
    const [r, , b] = pixel(rgba, 8, 4, 0); // between the centres (pixels 1.5 and 5.5)
    expect(r! + b!).toBeGreaterThanOrEqual(254);
    expect(r).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(0);
  });

  it('refuses colours that do not fit the grid', () => {
    expect(() => patchRgba([1, 2, 3], [1, 2], 4, 2, { resample: 'nearest', opacity: 1 })).toThrow(/needs 6 values/);
  });

  it('toggles chosen images, the earliest giving way past the maximum', () => {
    expect(toggleChosen([1, 2], 3, 3)).toEqual([1, 2, 3]);
    expect(toggleChosen([1, 2, 3], 2, 3)).toEqual([1, 3]);
    expect(toggleChosen([1, 2, 3], 4, 3)).toEqual([2, 3, 4]);
  });
});

const patchResult = (imageIds: number[]) => ({ grid: [2, 2] as [number, number], images: imageIds.map((imageId) => ({ imageId, rgb: Array.from({ length: 12 }, (_, i) => (i * 20 + imageId) % 256) })), model: 'run 11 teacher (final)' });
const camResult = (targets: string[]) => ({ grid: [2, 2] as [number, number], maps: targets.map((target, t) => ({ target, map: [t, 0.5, 0.25, 1] })), model: 'run 20 classifier', inputSize: 32 });

function newFeatures() {
  const { transport, api } = fakeClient();
  transport.handlers.set('inspect.patchColours', (input) => ({ ok: true, result: patchResult((input as { imageIds: number[] }).imageIds) }));
  transport.answer('inspect.gradCam', camResult(['IRF', 'SRF']));
  transport.answer('images.query', { total: 30, items: [1, 2, 3, 4].map((id) => ({ id })) });
  return { transport, features: new InspectFeaturesState(api) };
}

describe('InspectFeaturesState', () => {
  it('chooses the first two images of the picker and asks for their patch colours together', async () => {
    const { transport, features } = newFeatures();
    await features.chooseRun(11);
    expect(callsOf(transport, 'inspect.patchColours')).toEqual([]); // no images yet
    await features.loadPicker(0);
    await settle();
    expect(features.chosen).toEqual([1, 2]);
    expect(callsOf(transport, 'inspect.patchColours').at(-1)?.input).toEqual({ runId: 11, imageIds: [1, 2] });
    expect(features.patches?.images.map((i) => i.imageId)).toEqual([1, 2]);
    await features.toggleImage(4);
    expect(callsOf(transport, 'inspect.patchColours').at(-1)?.input).toEqual({ runId: 11, imageIds: [1, 2, 4] });
    await features.toggleImage(1);
    expect(features.chosen).toEqual([2, 4]);
    await features.chooseImages(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(features.chosen).toHaveLength(MAX_FEATURE_IMAGES);
  });

  it('shows a ResNet run’s refusal in place and offers Grad-CAM, one map per target per image', async () => {
    const { transport, features } = newFeatures();
    transport.fail('inspect.patchColours', 'invalid_input', 'Run 20 has a resnet18 backbone: patch features need a ViT.');
    await features.chooseImages([1, 2]);
    await features.chooseRun(20);
    expect(features.error).toMatch(/patch features need a ViT/);
    expect(features.wrongBackbone).toBe(true);
    expect(features.patches).toBeNull();
    await features.chooseMode('gradcam');
    expect(features.error).toBeNull();
    expect(callsOf(transport, 'inspect.gradCam').map((c) => c.input)).toEqual([
      { runId: 20, imageId: 1 },
      { runId: 20, imageId: 2 },
    ]);
    expect(features.cams.map((c) => c.imageId)).toEqual([1, 2]);
    expect(features.targets).toEqual(['IRF', 'SRF']);
    expect(features.target).toBe('IRF');
    features.setTarget('SRF');
    expect(features.target).toBe('SRF');
    features.setTarget('gone');
    expect(features.target).toBe('IRF'); // an unknown target falls back to the first
  });

  it('stops at the first refusal of a ViT run in Grad-CAM mode, and keeps other images’ errors per image', async () => {
    const { transport, features } = newFeatures();
    await features.chooseImages([1, 2]);
    transport.fail('inspect.gradCam', 'invalid_input', 'Run 11 has a ViT backbone: use its attention maps (Grad-CAM is for ResNets).');
    await features.chooseMode('gradcam');
    await features.chooseRun(11);
    expect(callsOf(transport, 'inspect.gradCam')).toHaveLength(1);
    expect(features.error).toMatch(/ViT backbone/);
    expect(features.wrongBackbone).toBe(true);
    transport.handlers.set('inspect.gradCam', (input) => ((input as { imageId: number }).imageId === 2 ? { ok: false, error: { code: 'not_found', message: 'No image 2.' } } : { ok: true, result: camResult(['feature norm']) }));
    await features.chooseRun(21);
    expect(features.error).toBeNull();
    expect(features.cams.map((c) => [c.imageId, c.error])).toEqual([
      [1, null],
      [2, 'No image 2.'],
    ]);
    expect(features.targets).toEqual(['feature norm']);
  });

  it('keeps only the newest answer when choices change quickly, and draws opaque beside the scan', async () => {
    const { transport, features } = newFeatures();
    let release: () => void = () => {};
    transport.handlers.set('inspect.patchColours', (input) => {
      const ids = (input as { imageIds: number[] }).imageIds;
      return ids.length === 1 ? new Promise((resolve) => (release = () => resolve({ ok: true, result: patchResult(ids) }))) : { ok: true, result: patchResult(ids) };
    });
    await features.chooseRun(11);
    const slow = features.chooseImages([1]);
    await features.chooseImages([1, 2]);
    release();
    await slow;
    expect(features.patches?.images.map((i) => i.imageId)).toEqual([1, 2]);
    features.setOpacity(0.3);
    expect(features.layerOpacity).toBe(0.3);
    features.setLayout('beside');
    expect(features.layerOpacity).toBe(1);
    features.setOpacity(4);
    expect(features.opacity).toBe(1);
  });
});

const embeddingMap = () => ({ runId: 11, method: 'pca', imageIds: [5, 6, 7], x: [0, 1, 2], y: [2, 1, 0], patient: ['P1', 'P1', 'P2'], eye: ['OD', 'OD', 'OS'], visit: ['V1', 'V1', 'V1'], subset: ['train', 'train', 'test'], labels: [], predictions: null, meta: {} });

describe('sending a box selection to the annotation queue', () => {
  function newEmbedding() {
    const { transport, api } = fakeClient();
    transport.answer('inspect.embeddingMap', embeddingMap());
    transport.answer('labelSets.list', [
      { id: 3, name: 'Biomarkers', kind: 'multi_label', description: null, labels: [] },
      { id: 4, name: 'Quality', kind: 'single_label', description: null, labels: [] },
    ]);
    transport.handlers.set('annotations.queueManual', (input) => ({ ok: true, result: { id: 9, items: (input as { imageIds: number[] }).imageIds.length } }));
    const errors = new ErrorsState();
    return { transport, errors, embedding: new InspectEmbeddingState(api, errors) };
  }

  it('makes a queue of the selected images for the chosen label set, with where they were chosen as the reason', async () => {
    const { transport, embedding } = newEmbedding();
    await embedding.loadLabelSets();
    await embedding.chooseRun(11);
    expect(embedding.queueLabelSetId).toBe(3); // the first set, until one is chosen
    embedding.select([0, 2]);
    embedding.chooseQueueLabelSet(4);
    await embedding.sendToQueue();
    expect(callsOf(transport, 'annotations.queueManual').map((c) => c.input)).toEqual([{ labelSetId: 4, imageIds: [5, 7], reason: 'chosen on the PCA map of run 11' }]);
    expect(embedding.queueOutcome?.queue).toEqual({ id: 9, items: 2, labelSet: 'Quality', labelSetId: 4 });
    embedding.select([1]); // another selection: the message was about the old one
    expect(embedding.queueOutcome).toBeNull();
  });

  it('shows why the core refused the queue in place, not as an app error', async () => {
    const { transport, embedding, errors } = newEmbedding();
    transport.fail('annotations.queueManual', 'invalid_input', '1 of the 2 images are not usable images of this project.');
    await embedding.loadLabelSets();
    await embedding.chooseRun(11);
    embedding.select([0, 1]);
    await embedding.sendToQueue();
    expect(embedding.queueOutcome?.queue).toBeNull();
    expect(embedding.queueOutcome?.error).toMatch(/not usable/);
    expect(errors.list).toEqual([]);
  });

  it('sends nothing without a label set or a selection', async () => {
    const { transport, embedding } = newEmbedding();
    await embedding.chooseRun(11);
    embedding.select([0]);
    await embedding.sendToQueue(); // label sets not loaded
    await embedding.loadLabelSets();
    embedding.clearSelection();
    await embedding.sendToQueue();
    expect(callsOf(transport, 'annotations.queueManual')).toEqual([]);
  });
});
