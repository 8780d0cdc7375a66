/**
 * The linear probe: a linear classifier on frozen backbone features (the standard measure of
 * what self-supervision learned). The features of the labelled images are computed once, then
 * the head trains on them with AdamW in mini-batches for `epochs` passes — seconds, where
 * re-running the backbone every epoch (reference `eval_linear.py`, with augmentation) would take
 * hours on a CPU. Features are standardised with the training images' mean and std, which
 * makes one learning rate work for any backbone; the standardisation is folded into the head
 * at the end (W' = W / σ, b' = b − W'·μ), so the classifier is backbone → one linear layer.
 * The epoch with the best validation macro AUROC is kept.
 */
import type * as tfc from '@tensorflow/tfjs';
import type { Tf } from '../engine/index.js';
import { AdamW } from '../optim/adamw.js';
import { createRng } from '../../random/rng.js';
import { epochOrder } from '../pretrain/pretrain-data.js';
import type { TaskKind } from './downstream-data.js';
import type { LinearHead } from './linear-head.js';
import { maskedBceWithLogits, maskedTargets, positiveWeights, softmaxCrossEntropy } from './losses.js';
import { macroAuroc, toProbabilities } from './scoring.js';
import type { EpochReport } from './train-network.js';

export interface ProbeSettings {
  epochs: number;
  lr: number;
  weightDecay: number;
  batch: number;
  maxPosWeight: number;
}

export interface ProbeInput {
  tf: Tf;
  task: TaskKind;
  numOutputs: number;
  dim: number;
  trainFeatures: Float32Array;
  trainTruth: Int8Array | Int32Array;
  valFeatures: Float32Array;
  valTruth: Int8Array | Int32Array;
  head: LinearHead;
  settings: ProbeSettings;
  seed: number;
  signal?: AbortSignal;
  onEpoch?: (report: EpochReport) => void;
}

export async function trainProbe(input: ProbeInput): Promise<{ bestEpoch: number; bestScore: number | null }> {
  const { tf, task, numOutputs: L, dim, head, settings: s } = input;
  const n = input.trainFeatures.length / dim;
  const m = input.valFeatures.length / dim;
  const { mean, std } = columnStats(input.trainFeatures, dim);
  const xTrain = tf.tidy(() => tf.div(tf.sub(tf.tensor2d(input.trainFeatures, [n, dim]), tf.tensor1d(mean)), tf.tensor1d(std)) as tfc.Tensor2D);
  const xVal = tf.tidy(() => tf.div(tf.sub(tf.tensor2d(input.valFeatures, [m, dim]), tf.tensor1d(mean)), tf.tensor1d(std)) as tfc.Tensor2D);
  const posWeight = task === 'multi_label' ? tf.tensor1d(positiveWeights(input.trainTruth as Int8Array, L, s.maxPosWeight)) : null;
  const optimizer = new AdamW(tf, head.variables);
  const varList = [...head.variables.values()];
  const byTfName = new Map([...head.variables].map(([name, v]) => [v.name, name]));
  let best: { epoch: number; score: number; weight: Float32Array; bias: Float32Array } | null = null;
  try {
    for (let epoch = 0; epoch < s.epochs; epoch++) {
      input.signal?.throwIfAborted();
      const started = Date.now();
      const order = epochOrder(n, createRng(input.seed).fork('probe').seed, epoch);
      let lossSum = 0;
      for (let start = 0; start < n; start += s.batch) {
        const idx = Array.from(order.subarray(start, Math.min(n, start + s.batch)));
        const loss = (): tfc.Scalar => {
          const logits = head.apply(tf.gather(xTrain, tf.tensor1d(idx, 'int32')));
          return task === 'multi_label' ? bce(tf, logits, input.trainTruth as Int8Array, idx, L, posWeight!) : softmaxCrossEntropy(tf, logits, Int32Array.from(idx, (k) => input.trainTruth[k] as number));
        };
        const { value, grads } = tf.variableGrads(loss, varList);
        const named = new Map(Object.entries(grads).map(([k, g]) => [byTfName.get(k) ?? k, g]));
        optimizer.step(named, { lr: s.lr, weightDecay: s.weightDecay });
        tf.dispose([...named.values()]);
        lossSum += ((await value.data())[0] as number) * idx.length;
        value.dispose();
      }
      const valLogits = tf.tidy(() => head.apply(xVal));
      const logits = (await valLogits.data()) as Float32Array;
      valLogits.dispose();
      const valLoss = tf.tidy(() => {
        const z = tf.tensor2d(logits, [m, L]);
        if (task === 'single_label') return softmaxCrossEntropy(tf, z, input.valTruth as Int32Array);
        const { targets, mask } = maskedTargets(tf, input.valTruth as Int8Array, m, L);
        return maskedBceWithLogits(tf, z, targets, mask, posWeight!);
      });
      const valLossValue = (await valLoss.data())[0] as number;
      valLoss.dispose();
      const score = macroAuroc(toProbabilities(logits, L, task), input.valTruth, L, task);
      const criterion = score ?? -valLossValue;
      const improved = best === null || criterion > best.score;
      if (improved) best = { epoch, score: criterion, weight: (await head.weight.data()) as Float32Array, bias: (await head.bias.data()) as Float32Array };
      input.onEpoch?.({ epoch, epochs: s.epochs, trainLoss: lossSum / n, valLoss: valLossValue, valScore: score, lr: s.lr, best: improved, secondsPerEpoch: (Date.now() - started) / 1000 });
    }
    if (!best) throw new Error('the probe ran no epoch');
    foldStandardisation(tf, head, best.weight, best.bias, mean, std);
    return { bestEpoch: best.epoch, bestScore: best.score };
  } finally {
    tf.dispose([xTrain, xVal]);
    posWeight?.dispose();
    optimizer.dispose();
  }
}

function bce(tf: Tf, logits: tfc.Tensor2D, truth: Int8Array, idx: readonly number[], L: number, posWeight: tfc.Tensor1D): tfc.Scalar {
  const rows = new Int8Array(idx.length * L);
  idx.forEach((k, i) => rows.set(truth.subarray(k * L, (k + 1) * L), i * L));
  const { targets, mask } = maskedTargets(tf, rows, idx.length, L);
  return maskedBceWithLogits(tf, logits, targets, mask, posWeight);
}

/** Per-feature mean and std (population; a constant feature gets std 1 so it stays finite). */
export function columnStats(features: Float32Array, dim: number): { mean: Float32Array; std: Float32Array } {
  const n = features.length / dim;
  const mean = new Float64Array(dim);
  const sq = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j]! += features[i * dim + j]!;
  for (let j = 0; j < dim; j++) mean[j]! /= Math.max(1, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) sq[j]! += (features[i * dim + j]! - mean[j]!) ** 2;
  const std = Float32Array.from(sq, (v) => {
    const sd = Math.sqrt(v / Math.max(1, n));
    return sd > 1e-6 ? sd : 1;
  });
  return { mean: Float32Array.from(mean), std };
}

/** Head on standardised features → the same head on raw features: W' = W/σ, b' = b − W'·μ. */
function foldStandardisation(tf: Tf, head: LinearHead, weight: Float32Array, bias: Float32Array, mean: Float32Array, std: Float32Array): void {
  const dim = mean.length;
  const L = bias.length;
  const w = new Float32Array(weight.length);
  const b = Float32Array.from(bias);
  for (let l = 0; l < L; l++) {
    for (let j = 0; j < dim; j++) {
      const v = weight[l * dim + j]! / std[j]!;
      w[l * dim + j] = v;
      b[l]! -= v * mean[j]!;
    }
  }
  tf.tidy(() => {
    head.weight.assign(tf.tensor2d(w, [L, dim]));
    head.bias.assign(tf.tensor1d(b));
  });
}
