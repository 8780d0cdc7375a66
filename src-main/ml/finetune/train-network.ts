/**
 * Training a backbone + linear head end to end on the labelled training images: DINO
 * fine-tuning (pretrained backbone at a lower lr, optional layer-wise decay) and the supervised
 * baseline (the same backbone from scratch, same images, budget and augmentation).
 *
 * AdamW with a linear warm-up and cosine decay per step; masked BCE (multi-label) or softmax
 * cross-entropy (single-label). After every epoch the whole validation set is scored; the epoch
 * with the best validation macro AUROC is the run's model ("best" file), and training stops
 * after `patience` epochs without improvement. The test split is never looked at here.
 *
 * Every epoch ends with a resumable checkpoint (weights, optimizer, position, best so far).
 * Data order and augmentation are functions of (seed, epoch, batch), so a killed run resumed
 * from its last checkpoint continues exactly as it would have.
 */
import { existsSync, rmSync } from 'node:fs';
import type * as tfc from '@tensorflow/tfjs';
import type { Tf } from '../engine/index.js';
import type { TrainingCache } from '../../imaging/training-cache.js';
import type { Backbone } from '../models/backbone.js';
import { AdamW } from '../optim/adamw.js';
import { cosineSchedule } from '../dino/schedules.js';
import { epochOrder } from '../pretrain/pretrain-data.js';
import { createRng } from '../../random/rng.js';
import { loadClassifierState, saveClassifierState } from './classifier-state.js';
import type { LabelledSubset, TaskKind } from './downstream-data.js';
import type { LinearHead } from './linear-head.js';
import { maskedBceWithLogits, maskedTargets, positiveWeights, softmaxCrossEntropy } from './losses.js';
import { macroAuroc, toProbabilities } from './scoring.js';
import { evalViews, trainViews } from './views.js';

export interface NetworkTrainingSettings {
  epochs: number;
  batch: number;
  lr: number;
  /** Per-parameter lr multipliers (backbone names prefixed `backbone.`, head `head.*`). */
  lrScale: ReadonlyMap<string, number>;
  weightDecay: number;
  warmupEpochs: number;
  patience: number;
  inputSize: number;
  cropScale: readonly [number, number];
  maxPosWeight: number;
}

export interface EpochReport {
  epoch: number;
  epochs: number;
  trainLoss: number;
  valLoss: number;
  valScore: number | null;
  lr: number;
  best: boolean;
  secondsPerEpoch: number;
}

export interface NetworkTrainingResult {
  epochsRun: number;
  bestEpoch: number;
  bestScore: number | null;
  stoppedEarly: boolean;
  /** The best epoch's model (backbone + head), loaded into the parts on return. */
  bestFile: string;
}

export interface NetworkTrainingInput {
  tf: Tf;
  cache: TrainingCache;
  task: TaskKind;
  numOutputs: number;
  train: LabelledSubset;
  val: LabelledSubset;
  backbone: Backbone;
  head: LinearHead;
  settings: NetworkTrainingSettings;
  seed: number;
  /** Where the epoch checkpoint and the best model are kept. */
  checkpointFile: string;
  bestFile: string;
  signal?: AbortSignal;
  onEpoch?: (report: EpochReport) => void;
  onBatch?: (done: number, total: number) => void;
}

/** Parameters by one namespace: `backbone.<reference name>` and `head.weight` / `head.bias`. */
export function classifierVariables(backbone: Backbone | null, head: LinearHead): Map<string, tfc.Variable> {
  const vars = new Map<string, tfc.Variable>();
  if (backbone) for (const [name, v] of backbone.variables) vars.set(`backbone.${name}`, v);
  for (const [name, v] of head.variables) vars.set(name, v);
  return vars;
}

interface Position {
  epoch: number;
  bestEpoch: number;
  bestScore: number | null;
  sinceBest: number;
}

export async function trainNetwork(input: NetworkTrainingInput): Promise<NetworkTrainingResult> {
  const { tf, cache, task, numOutputs: L, train, val, backbone, head, settings: s, seed } = input;
  const n = train.imageIds.length;
  if (n === 0) throw new Error('no training images');
  // BatchNorm cannot normalise a batch of one: a lone last image waits for the next epoch.
  const dropLonely = backbone.name.startsWith('resnet') && n % s.batch === 1 && n > 1;
  const stepsPerEpoch = Math.max(1, Math.ceil((dropLonely ? n - 1 : n) / s.batch));
  const lrSchedule = cosineSchedule(s.lr, s.lr * 1e-3, s.epochs, stepsPerEpoch, Math.min(s.warmupEpochs, s.epochs));
  const vars = classifierVariables(backbone, head);
  const optimizer = new AdamW(tf, vars, { lrScale: s.lrScale });
  const parts = { backbone, head, optimizer };
  const posWeight = task === 'multi_label' ? tf.tensor1d(positiveWeights(train.truth as Int8Array, L, s.maxPosWeight)) : null;
  const byTfName = new Map([...vars].map(([name, v]) => [v.name, name]));
  const varList = [...vars.values()];

  let pos: Position = { epoch: 0, bestEpoch: -1, bestScore: null, sinceBest: 0 };
  try {
    if (existsSync(input.checkpointFile)) {
      const meta = await loadClassifierState(tf, parts, input.checkpointFile);
      pos = JSON.parse(meta.position ?? '{}') as Position;
    }
    let stoppedEarly = false;
    while (pos.epoch < s.epochs) {
      input.signal?.throwIfAborted();
      const started = Date.now();
      const order = epochOrder(n, seed, pos.epoch);
      let lossSum = 0;
      let lossCount = 0;
      for (let b = 0; b < stepsPerEpoch; b++) {
        input.signal?.throwIfAborted();
        const idx = Array.from(order.subarray(b * s.batch, Math.min(n, (b + 1) * s.batch)));
        if (idx.length === 0 || (dropLonely && idx.length === 1)) continue;
        const records = await cache.readBatch(idx.map((k) => train.slots[k] as number));
        const step = pos.epoch * stepsPerEpoch + b;
        const lr = lrSchedule[step] as number;
        const x = trainViews(tf, records, cache.size, createRng(seed).fork('finetune-views').fork(pos.epoch).fork(b), { inputSize: s.inputSize, cropScale: s.cropScale });
        const targets = batchTargets(tf, task, train.truth, idx, L);
        try {
          const { value, grads } = tf.variableGrads(() => {
            const logits = head.apply(backbone.apply(x, { training: true, dropPathSeed: step }));
            return task === 'multi_label'
              ? maskedBceWithLogits(tf, logits, targets.targets!, targets.mask!, posWeight!)
              : softmaxCrossEntropy(tf, logits, targets.classes!);
          }, varList);
          const named = new Map<string, tfc.Tensor>();
          for (const [tfName, g] of Object.entries(grads)) {
            const name = byTfName.get(tfName);
            if (name) named.set(name, g);
            else g.dispose();
          }
          optimizer.step(named, { lr, weightDecay: s.weightDecay });
          tf.dispose([...named.values()]);
          const lossValue = (await value.data())[0] as number;
          value.dispose();
          if (!Number.isFinite(lossValue)) throw new Error(`the training loss is ${lossValue} at epoch ${pos.epoch + 1}; lower the learning rate.`);
          lossSum += lossValue * idx.length;
          lossCount += idx.length;
        } finally {
          tf.dispose([x, targets.targets, targets.mask].filter((t) => t !== undefined) as tfc.Tensor[]);
        }
        input.onBatch?.(b + 1, stepsPerEpoch);
      }
      const valOut = await evaluateLoss(tf, { cache, task, numOutputs: L, subset: val, backbone, head, inputSize: s.inputSize, posWeight });
      const score = macroAuroc(valOut.probabilities, val.truth, L, task);
      // Without a defined AUROC (one class in validation) the lowest validation loss decides.
      const criterion = score ?? -valOut.loss;
      const improved = pos.bestScore === null || criterion > pos.bestScore;
      if (improved) {
        pos = { ...pos, bestEpoch: pos.epoch, bestScore: criterion, sinceBest: 0 };
        await saveClassifierState({ backbone, head }, input.bestFile, { epoch: String(pos.epoch) });
      } else {
        pos = { ...pos, sinceBest: pos.sinceBest + 1 };
      }
      const report: EpochReport = {
        epoch: pos.epoch,
        epochs: s.epochs,
        trainLoss: lossCount > 0 ? lossSum / lossCount : NaN,
        valLoss: valOut.loss,
        valScore: score,
        lr: lrSchedule[Math.min(lrSchedule.length - 1, (pos.epoch + 1) * stepsPerEpoch - 1)] as number,
        best: improved,
        secondsPerEpoch: (Date.now() - started) / 1000,
      };
      pos = { ...pos, epoch: pos.epoch + 1 };
      await saveClassifierState(parts, input.checkpointFile, { position: JSON.stringify(pos) });
      input.onEpoch?.(report);
      if (s.patience > 0 && pos.sinceBest >= s.patience && pos.epoch < s.epochs) {
        stoppedEarly = true;
        break;
      }
    }
    await loadClassifierState(tf, { backbone, head }, input.bestFile);
    return { epochsRun: pos.epoch, bestEpoch: pos.bestEpoch, bestScore: pos.bestScore, stoppedEarly, bestFile: input.bestFile };
  } finally {
    optimizer.dispose();
    posWeight?.dispose();
  }
}

function batchTargets(tf: Tf, task: TaskKind, truth: Int8Array | Int32Array, idx: readonly number[], L: number): { targets?: tfc.Tensor2D; mask?: tfc.Tensor2D; classes?: Int32Array } {
  if (task === 'single_label') return { classes: Int32Array.from(idx, (k) => truth[k] as number) };
  const rows = new Int8Array(idx.length * L);
  idx.forEach((k, i) => rows.set((truth as Int8Array).subarray(k * L, (k + 1) * L), i * L));
  return maskedTargets(tf, rows, idx.length, L);
}

/** Logits of a subset's whole-scan views, `batch` at a time, in evaluation mode. */
export async function predictLogits(
  tf: Tf,
  opts: { cache: TrainingCache; subset: LabelledSubset; backbone: Backbone; head: LinearHead; inputSize: number; batch?: number; signal?: AbortSignal },
): Promise<Float32Array> {
  const { cache, subset, backbone, head } = opts;
  const L = head.outDim;
  const n = subset.imageIds.length;
  const batch = opts.batch ?? 32;
  const out = new Float32Array(n * L);
  for (let start = 0; start < n; start += batch) {
    opts.signal?.throwIfAborted();
    const slots = subset.slots.slice(start, start + batch);
    const records = await cache.readBatch(slots);
    const logits = tf.tidy(() => head.apply(backbone.apply(evalViews(tf, records, cache.size, opts.inputSize), { training: false, evaluation: true })));
    try {
      out.set((await logits.data()) as Float32Array, start * L);
    } finally {
      logits.dispose();
    }
  }
  return out;
}

async function evaluateLoss(
  tf: Tf,
  opts: { cache: TrainingCache; task: TaskKind; numOutputs: number; subset: LabelledSubset; backbone: Backbone; head: LinearHead; inputSize: number; posWeight: tfc.Tensor1D | null },
): Promise<{ loss: number; probabilities: Float32Array }> {
  const logits = await predictLogits(tf, opts);
  const L = opts.numOutputs;
  const n = opts.subset.imageIds.length;
  const loss = tf.tidy(() => {
    const z = tf.tensor2d(logits, [n, L]);
    if (opts.task === 'single_label') return softmaxCrossEntropy(tf, z, opts.subset.truth as Int32Array);
    const { targets, mask } = maskedTargets(tf, opts.subset.truth as Int8Array, n, L);
    return maskedBceWithLogits(tf, z, targets, mask, opts.posWeight!);
  });
  const value = (await loss.data())[0] as number;
  loss.dispose();
  return { loss: value, probabilities: toProbabilities(logits, L, opts.task) };
}

/** Removes a run's training files once its best model has been kept elsewhere. */
export function removeCheckpoint(file: string): void {
  rmSync(file, { force: true });
}
