/**
 * DINO multi-crop for OCT (reference `main_dino.py` `DataAugmentationDINO`), batched: 2 global
 * views and N local views of every image of a training-cache batch, as tensor ops.
 *
 * Per view, in the reference's order: random resized crop (+ horizontal flip, p 0.5) → colour
 * jitter (p 0.8) → Gaussian blur (p 1.0 / 0.1 / 0.5 for global 1 / global 2 / locals) →
 * solarisation (p 0.2, global 2 only) → normalisation. OCT changes: speckle noise is added right
 * after the crop (where acquisition puts it, before display-level changes); there are no vertical
 * flips (the retina's layer order, vitreous above and choroid below, is anatomy, not nuisance);
 * no hue/saturation/grayscale (1 channel); OCT mean/std instead of ImageNet's.
 *
 * Layout: stacked per resolution, crop-major — globals [2B, G, G, 1] = [global 1 of every image;
 * global 2 of every image], locals [N·B, L, L, 1]. This is what the step needs: the backbone runs
 * once per resolution (reference `MultiCropWrapper`), and the loss splits student rows into crops
 * with one `split`. One cropAndResize per resolution also makes the augmentation itself cheap.
 *
 * Randomness: every draw comes from the `rng` passed in, per view group from a named fork, so
 * the crops of a batch are a pure function of (seed, step) — pass `augmentRng(seed, step)`.
 */
import type { Tensor3D, Tensor4D } from '@tensorflow/tfjs';
import type { Tf } from '../engine/index.js';
import type { DinoConfig } from '../dino/config.js';
import { createRng, type Rng } from '../../random/rng.js';
import { blurEach } from './gaussian-blur.js';
import { colorJitter, normalizeOct, OCT_MEAN, OCT_STD, solarize, speckle } from './photometric.js';
import { cropBox, DEFAULT_RATIO, sampleResizedCrop } from './resized-crop.js';

export interface MultiCropOptions {
  globalSize: number;
  localSize: number;
  localCrops: number;
  globalScale: readonly [number, number];
  localScale: readonly [number, number];
  /** Aspect-ratio range of the crops; torchvision's 3/4..4/3. */
  ratio: readonly [number, number];
  flipP: number;
  jitterP: number;
  /** ColorJitter strength: factors are drawn from U(1 − s, 1 + s). */
  brightness: number;
  contrast: number;
  /** Blur probability for [global 1, global 2, locals]. */
  blurP: readonly [number, number, number];
  /** PIL radius range, in pixels at the reference resolution (224 global, 96 local); scaled to the crop size. */
  blurSigma: readonly [number, number];
  solarizeP: number;
  speckleP: number;
  speckleSigma: readonly [number, number];
  mean: number;
  std: number;
}

/** The reference's probabilities and strengths; sizes and counts from the product defaults. */
export const DEFAULT_MULTI_CROP: MultiCropOptions = Object.freeze({
  globalSize: 112,
  localSize: 48,
  localCrops: 4,
  globalScale: [0.4, 1] as const,
  localScale: [0.05, 0.4] as const,
  ratio: DEFAULT_RATIO,
  flipP: 0.5,
  jitterP: 0.8,
  brightness: 0.4,
  contrast: 0.4,
  blurP: [1, 0.1, 0.5] as const,
  blurSigma: [0.1, 2] as const,
  solarizeP: 0.2,
  speckleP: 0.5,
  speckleSigma: [0.05, 0.2] as const,
  mean: OCT_MEAN,
  std: OCT_STD,
});

/** Reference resolutions the blur radius range was chosen for. */
const REF_GLOBAL = 224;
const REF_LOCAL = 96;

export function multiCropOptionsFromConfig(config: DinoConfig, overrides: Partial<MultiCropOptions> = {}): MultiCropOptions {
  return Object.freeze({
    ...DEFAULT_MULTI_CROP,
    globalSize: config.globalCropSize,
    localSize: config.localCropSize,
    localCrops: config.localCropsNumber,
    globalScale: config.globalCropsScale,
    localScale: config.localCropsScale,
    ...overrides,
  });
}

/** The augmentation stream of one training step: reproducible from (seed, step) alone. */
export function augmentRng(seed: number, step: number): Rng {
  return createRng(seed).fork('multi-crop').fork(step);
}

export interface MultiCrops {
  /** [2B, G, G, 1]: global 1 of every image, then global 2. */
  globals: Tensor4D;
  /** [N·B, L, L, 1], crop-major; null when N = 0. */
  locals: Tensor4D | null;
}

interface ViewParams {
  boxes: number[][];
  jitter: { brightness: number[]; contrast: number[]; contrastFirst: boolean[] };
  blurSigma: number[];
  solarize: boolean[];
  speckleSigma: number[];
}

/** Draws every random choice of one view for each of `b` images (a fixed draw order per image). */
function drawView(rng: Rng, b: number, size: number, opts: MultiCropOptions, kind: { scale: readonly [number, number]; blurP: number; solarizeP: number; refSize: number }, s: number, into: ViewParams): void {
  const sigmaScale = size / kind.refSize;
  for (let i = 0; i < b; i++) {
    const win = sampleResizedCrop(rng, s, s, kind.scale, opts.ratio);
    into.boxes.push(cropBox(win, s, s, size, rng.chance(opts.flipP)));
    const jitter = rng.chance(opts.jitterP);
    const bf = rng.range(1 - opts.brightness, 1 + opts.brightness);
    const cf = rng.range(1 - opts.contrast, 1 + opts.contrast);
    const order = rng.chance(0.5);
    into.jitter.brightness.push(jitter ? bf : 1);
    into.jitter.contrast.push(jitter ? cf : 1);
    into.jitter.contrastFirst.push(jitter && order);
    const blur = rng.chance(kind.blurP);
    const sigma = rng.range(opts.blurSigma[0], opts.blurSigma[1]) * sigmaScale;
    into.blurSigma.push(blur ? sigma : 0);
    into.solarize.push(rng.chance(kind.solarizeP));
    const sp = rng.chance(opts.speckleP);
    const spSigma = rng.range(opts.speckleSigma[0], opts.speckleSigma[1]);
    into.speckleSigma.push(sp ? spSigma : 0);
  }
}

function emptyParams(): ViewParams {
  return { boxes: [], jitter: { brightness: [], contrast: [], contrastFirst: [] }, blurSigma: [], solarize: [], speckleSigma: [] };
}

/**
 * `images`: the batch as the training cache returns it — a Uint8Array of B records of S×S 8-bit
 * pixels (`TrainingCache.readBatch`), or a [B, S, S] tensor of 0..255 values.
 */
export function multiCrop(tf: Tf, images: Uint8Array | Tensor3D, opts: { size?: number; rng: Rng; options?: MultiCropOptions }): MultiCrops {
  const o = opts.options ?? DEFAULT_MULTI_CROP;
  let b: number;
  let s: number;
  if (images instanceof Uint8Array) {
    s = opts.size ?? 256;
    b = images.length / (s * s);
    if (!Number.isInteger(b) || b < 1) throw new Error(`multiCrop: ${images.length} bytes are not a whole number of ${s}×${s} records`);
  } else {
    [b, s] = [images.shape[0], images.shape[1]];
    if (images.shape[2] !== s) throw new Error(`multiCrop: records must be square, got ${images.shape.join('×')}`);
  }
  const global = emptyParams();
  drawView(opts.rng.fork('global-1'), b, o.globalSize, o, { scale: o.globalScale, blurP: o.blurP[0], solarizeP: 0, refSize: REF_GLOBAL }, s, global);
  drawView(opts.rng.fork('global-2'), b, o.globalSize, o, { scale: o.globalScale, blurP: o.blurP[1], solarizeP: o.solarizeP, refSize: REF_GLOBAL }, s, global);
  const local = emptyParams();
  for (let n = 0; n < o.localCrops; n++) {
    drawView(opts.rng.fork(`local-${n}`), b, o.localSize, o, { scale: o.localScale, blurP: o.blurP[2], solarizeP: 0, refSize: REF_LOCAL }, s, local);
  }
  const noiseSeed = opts.rng.fork('speckle').int(0, 2 ** 30);

  const source = tf.tidy(() => {
    if (images instanceof Uint8Array) {
      const f = new Float32Array(images.length);
      for (let i = 0; i < images.length; i++) f[i] = images[i]! / 255;
      return tf.tensor4d(f, [b, s, s, 1]);
    }
    return tf.div(tf.reshape(tf.cast(images, 'float32'), [b, s, s, 1]), 255) as Tensor4D;
  });
  try {
    const render = (p: ViewParams, size: number, seed: number): Tensor4D =>
      tf.tidy(() => {
        const n = p.boxes.length;
        const boxInd = tf.tensor1d(Array.from({ length: n }, (_, i) => i % b), 'int32');
        let x = tf.image.cropAndResize(source, tf.tensor2d(p.boxes, [n, 4]), boxInd, [size, size], 'bilinear') as Tensor4D;
        x = speckle(tf, x, p.speckleSigma, seed);
        x = colorJitter(tf, x, p.jitter);
        x = blurEach(tf, x, p.blurSigma);
        x = solarize(tf, x, p.solarize);
        return normalizeOct(tf, x, o.mean, o.std);
      });
    const globals = render(global, o.globalSize, noiseSeed);
    const locals = o.localCrops > 0 ? render(local, o.localSize, noiseSeed + 1) : null;
    return { globals, locals };
  } finally {
    source.dispose();
  }
}
