import { beforeAll, describe, expect, it } from 'vitest';
import type { Tensor4D } from '@tensorflow/tfjs';
import type { Tf } from '../../../../src-main/ml/engine/index.js';
import { blurEach, gaussianKernel1d } from '../../../../src-main/ml/augment/gaussian-blur.js';
import { augmentRng, DEFAULT_MULTI_CROP, multiCrop, multiCropOptionsFromConfig, type MultiCropOptions } from '../../../../src-main/ml/augment/multi-crop.js';
import { colorJitter, normalizeOct, solarize, speckle } from '../../../../src-main/ml/augment/photometric.js';
import { cropBox, sampleResizedCrop } from '../../../../src-main/ml/augment/resized-crop.js';
import { DEFAULT_DINO_CONFIG } from '../../../../src-main/ml/dino/config.js';
import { createRng } from '../../../../src-main/random/rng.js';
import { cpuTf } from '../dino/tf-cpu.js';

let tf: Tf;
beforeAll(async () => {
  tf = await cpuTf();
});

/** No photometric change at all: only crops and flips remain. */
const GEOMETRY_ONLY: MultiCropOptions = {
  ...DEFAULT_MULTI_CROP,
  jitterP: 0,
  blurP: [0, 0, 0],
  solarizeP: 0,
  speckleP: 0,
  mean: 0,
  std: 1,
};

describe('sampleResizedCrop (RandomResizedCrop.get_params)', () => {
  it('keeps area fraction and aspect ratio in range, inside the image', () => {
    const rng = createRng(1);
    for (let i = 0; i < 500; i++) {
      const w = sampleResizedCrop(rng, 256, 256, [0.05, 0.4]);
      const area = (w.height * w.width) / 256 ** 2;
      expect(area).toBeGreaterThan(0.04);
      expect(area).toBeLessThan(0.42);
      expect(w.width / w.height).toBeGreaterThan(0.7);
      expect(w.width / w.height).toBeLessThan(1.4);
      expect(w.top + w.height).toBeLessThanOrEqual(256);
      expect(w.left + w.width).toBeLessThanOrEqual(256);
    }
  });
  it('falls back to a centred crop when nothing fits (torchvision)', () => {
    // Wide image, scale 1 with ratio outside: centred crop at max ratio.
    expect(sampleResizedCrop(createRng(2), 100, 300, [1, 1], [0.5, 1])).toEqual({ top: 0, left: 100, height: 100, width: 100 });
  });
});

describe('cropBox', () => {
  it('the whole image at its own size is the identity, and the flipped box mirrors it left-right', () => {
    const img = tf.tensor4d(Float32Array.from({ length: 16 }, (_, i) => i), [1, 4, 4, 1]);
    const win = { top: 0, left: 0, height: 4, width: 4 };
    const box = (flip: boolean) => tf.tensor2d([cropBox(win, 4, 4, 4, flip)]);
    const [b0, b1] = [box(false), box(true)];
    const same = tf.image.cropAndResize(img, b0, tf.tensor1d([0], 'int32'), [4, 4]);
    const flipped = tf.image.cropAndResize(img, b1, tf.tensor1d([0], 'int32'), [4, 4]);
    Array.from(same.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(i, 4));
    const mirrored = tf.reverse(img, 2);
    Array.from(flipped.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(mirrored.dataSync()[i]!, 4));
    tf.dispose([img, b0, b1, same, flipped, mirrored]);
  });
  it('samples pixel centres: a 2× downscale of a window averages pixel pairs', () => {
    // Window rows 0..3 into 2 samples: centres at 0.5 and 2.5.
    const [y1, , y2] = cropBox({ top: 0, left: 0, height: 4, width: 4 }, 8, 8, 2, false);
    expect(y1 * 7).toBeCloseTo(0.5, 10);
    expect(y2 * 7).toBeCloseTo(2.5, 10);
  });
});

describe('Gaussian blur per image', () => {
  it('kernel sums to 1; sigma 0 is the identity', () => {
    expect(gaussianKernel1d(1.3, 4).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(Array.from(gaussianKernel1d(0, 2))).toEqual([0, 0, 1, 0, 0]);
  });
  it('blurs each image with its own sigma, keeps flat images flat and unblurred ones unchanged', () => {
    const rng = createRng(3);
    const data = Float32Array.from({ length: 3 * 16 * 16 }, (_, i) => (i < 256 ? 0.5 : rng.next()));
    const x = tf.tensor4d(data, [3, 16, 16, 1]);
    const y = blurEach(tf, x, [2, 0, 1]);
    const [flat, untouched, blurred] = tf.split(y, 3, 0).map((t) => Array.from(t.dataSync()));
    flat!.forEach((v) => expect(v).toBeCloseTo(0.5, 5));
    untouched!.forEach((v, i) => expect(v).toBeCloseTo(data[256 + i]!, 6));
    // Alone it gets a 3σ radius of 3 instead of the batch's 6: the same up to the truncated tails.
    const alone = blurEach(tf, tf.slice(x, [2, 0, 0, 0], [1, 16, 16, 1]) as Tensor4D, [1]);
    Array.from(alone.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(blurred![i]!, 3));
    const variance = (a: number[]) => a.reduce((s, v) => s + (v - 0.5) ** 2, 0) / a.length;
    expect(variance(blurred!)).toBeLessThan(variance(Array.from(data.slice(512))));
    tf.dispose([x, y, alone]);
  });
});

describe('photometric', () => {
  it('colour jitter: brightness then contrast with the image mean, clamped (hand values)', () => {
    const x = tf.tensor4d([0.2, 0.6], [1, 1, 2, 1]);
    // b = 1.5 → [0.3, 0.9]; mean 0.6; c = 0.5 → 0.5·x + 0.3 = [0.45, 0.75]
    const y = colorJitter(tf, x, { brightness: [1.5], contrast: [0.5], contrastFirst: [false] });
    Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo([0.45, 0.75][i]!, 6));
    // contrast first: mean 0.4 → [0.3, 0.5]; ×1.5 → [0.45, 0.75] (same here, no clamping involved)
    const z = colorJitter(tf, x, { brightness: [3], contrast: [0.5], contrastFirst: [true] });
    // contrast first: [0.3, 0.5] ×3 → [0.9, 1.5→1]; brightness first: [0.6, 1.8→1], mean 0.8 → [0.7, 0.9]
    Array.from(z.dataSync()).forEach((v, i) => expect(v).toBeCloseTo([0.9, 1][i]!, 6));
    tf.dispose([x, y, z]);
  });
  it('solarize inverts pixels ≥ 128/255 on the chosen images only; normalise uses the OCT statistics', () => {
    const x = tf.tensor4d([0.2, 0.8, 0.2, 0.8], [2, 1, 2, 1]);
    const y = solarize(tf, x, [true, false]);
    Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo([0.2, 0.2, 0.2, 0.8][i]!, 6));
    const n = normalizeOct(tf, tf.tensor4d([0.1706], [1, 1, 1, 1]));
    expect(n.dataSync()[0]).toBeCloseTo(0, 6);
    tf.dispose([x, y, n]);
  });
  it('speckle is multiplicative (black stays black), per image, reproducible by seed', () => {
    const x = tf.tensor4d(Float32Array.from({ length: 2 * 64 }, (_, i) => (i % 2 ? 0.5 : 0)), [2, 8, 8, 1]);
    const a = speckle(tf, x, [0.2, 0], 5);
    const b = speckle(tf, x, [0.2, 0], 5);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    const v = a.dataSync();
    for (let i = 0; i < 128; i += 2) expect(v[i]).toBe(0);
    for (let i = 65; i < 128; i += 2) expect(v[i]).toBeCloseTo(0.5, 6);
    expect(new Set(Array.from(v.slice(0, 64)).filter((_, i) => i % 2)).size).toBeGreaterThan(20);
    tf.dispose([x, a, b]);
  });
});

describe('multiCrop', () => {
  const S = 64;
  const B = 3;
  // A vertical ramp: row r has value r (top dark, bottom bright), the same in every image.
  const ramp = Uint8Array.from({ length: B * S * S }, (_, i) => Math.floor((i % (S * S)) / S) * 4);
  const opts = { ...GEOMETRY_ONLY, globalSize: 32, localSize: 16, localCrops: 3 };

  it('stacks crops per resolution, crop-major: [2B, G, G, 1] and [N·B, L, L, 1]', () => {
    const before = tf.memory().numTensors;
    const { globals, locals } = multiCrop(tf, ramp, { size: S, rng: augmentRng(1, 0), options: opts });
    expect(globals.shape).toEqual([2 * B, 32, 32, 1]);
    expect(locals!.shape).toEqual([3 * B, 16, 16, 1]);
    tf.dispose([globals, locals!]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is reproducible for a (seed, step) and differs between steps', () => {
    const run = (seed: number, step: number) => {
      const { globals, locals } = multiCrop(tf, ramp, { size: S, rng: augmentRng(seed, step), options: { ...DEFAULT_MULTI_CROP, globalSize: 32, localSize: 16 } });
      const out = [Array.from(globals.dataSync()), Array.from(locals!.dataSync())];
      tf.dispose([globals, locals!]);
      return out;
    };
    expect(run(4, 10)).toEqual(run(4, 10));
    expect(run(4, 11)[0]).not.toEqual(run(4, 10)[0]);
  });

  it('never flips vertically: every crop of a top-to-bottom ramp still increases downwards', () => {
    for (let step = 0; step < 5; step++) {
      const { globals, locals } = multiCrop(tf, ramp, { size: S, rng: augmentRng(2, step), options: opts });
      for (const t of [globals, locals!]) {
        const [n, h, w] = t.shape;
        const d = t.dataSync();
        for (let i = 0; i < n; i++) {
          const top = d[i * h * w + Math.floor(w / 2)]!;
          const bottom = d[i * h * w + (h - 1) * w + Math.floor(w / 2)]!;
          expect(bottom).toBeGreaterThan(top);
        }
      }
      tf.dispose([globals, locals!]);
    }
  });

  it('normalises with the OCT mean/std and takes [B, S, S] tensors as well', () => {
    const flat = tf.fill([2, S, S], 51, 'int32'); // 51/255 = 0.2
    const o = { ...GEOMETRY_ONLY, mean: 0.1706, std: 0.2112, globalSize: 16, localSize: 8, localCrops: 0 };
    const { globals, locals } = multiCrop(tf, flat as never, { rng: augmentRng(0, 0), options: o });
    expect(locals).toBeNull();
    Array.from(globals.dataSync()).forEach((v) => expect(v).toBeCloseTo((0.2 - 0.1706) / 0.2112, 4));
    tf.dispose([flat, globals]);
  });

  it('takes sizes and scales from the DINO config', () => {
    const o = multiCropOptionsFromConfig(DEFAULT_DINO_CONFIG);
    expect(o).toMatchObject({ globalSize: 112, localSize: 48, localCrops: 4, globalScale: [0.4, 1], localScale: [0.05, 0.4], blurP: [1, 0.1, 0.5], solarizeP: 0.2 });
  });
});
