/**
 * One DINO training iteration (reference `main_dino.py` `train_one_epoch`, one loop body):
 * teacher forward on the 2 global crops (no gradient), student forward on all crops, DINO loss,
 * gradients for the student only, per-parameter clipping, last-layer cancelling in the first
 * epochs, AdamW with the step's lr / weight decay, EMA teacher update with the step's momentum,
 * centre update, and the collapse metrics.
 */
import type { NamedTensorMap, Scalar, Tensor, Tensor2D, Tensor4D, Variable } from '@tensorflow/tfjs';
import type { Tf } from '../engine/index.js';
import { cancelLastLayerGradients, clipGradients, gradientNorms } from '../optim/clip.js';
import type { AdamW } from '../optim/adamw.js';
import type { DinoLoss } from './loss.js';
import { collapseMetrics, type CollapseMonitor, type CollapseWarning } from './monitor.js';
import { forwardMultiCrop, networkVariables, type DinoNetwork } from './multi-crop-wrapper.js';
import { at, type DinoSchedules } from './schedules.js';
import { updateTeacher } from './teacher.js';

export interface DinoStepParts {
  readonly tf: Tf;
  readonly student: DinoNetwork;
  readonly teacher: DinoNetwork;
  readonly loss: DinoLoss;
  /** Built over `networkVariables(student)`. */
  readonly optimizer: AdamW;
  readonly schedules: DinoSchedules;
  readonly monitor?: CollapseMonitor;
  /** Per-parameter gradient-norm limit; 0 = no clipping (reference `--clip_grad 0`). */
  readonly clipGrad: number;
  /** Epochs during which the last layer gets no update (reference `--freeze_last_layer`). */
  readonly freezeLastLayer: number;
  /**
   * Images per forward/backward pass. Smaller than the batch, gradients are accumulated over
   * micro-batches: exact for a ViT (no batch statistics; each image's loss terms only involve
   * its own crops, and the loss is a mean over images), and it keeps wasm under its 4 GiB cap.
   * Undefined = the whole batch at once.
   */
  readonly microBatch?: number;
}

/** Crops stacked per resolution, crop-major: globals = [global1 of B; global2 of B], locals = [local1 of B; …]. */
export interface MultiCropBatch {
  readonly globals: Tensor4D;
  /** [N·B, L, L, 1], or null without local crops. */
  readonly locals: Tensor4D | null;
}

export interface DinoStepResult {
  loss: number;
  lr: number;
  wd: number;
  momentum: number;
  teacherTemp: number;
  /** h(Pt), nats. */
  entropy: number;
  /** KL(Pt‖Ps), nats. */
  kl: number;
  /** Global L2 norm of the student gradients before clipping: √Σ‖g_i‖². */
  gradNorm: number;
  /** Largest per-parameter gradient norm before clipping (what clipGrad is compared with). */
  maxParamGradNorm: number;
  warning: CollapseWarning | null;
}

/** The loss went NaN/∞: the reference stops training here; so do we, before any weight changes. */
export class NonFiniteLossError extends Error {
  override readonly name = 'NonFiniteLossError';
  constructor(readonly step: number, readonly value: number) {
    super(`DINO loss is ${value} at step ${step}; stopping before the weights are updated. Lower the learning rate or clipGrad, or raise warmupEpochs.`);
  }
}

export async function dinoStep(parts: DinoStepParts, crops: MultiCropBatch, globalStep: number, epoch: number): Promise<DinoStepResult> {
  const { tf, student, teacher, loss, optimizer, schedules } = parts;
  const lr = at(schedules.lr, globalStep, 'lr schedule');
  const wd = at(schedules.weightDecay, globalStep, 'weight-decay schedule');
  const momentum = at(schedules.teacherMomentum, globalStep, 'teacher-momentum schedule');
  const teacherTemp = loss.teacherTemp(epoch);

  const b = crops.globals.shape[0] / 2;
  if (!Number.isInteger(b) || b < 1) throw new Error(`globals must stack 2 global crops of the batch, got ${crops.globals.shape[0]} rows`);
  const nLocal = crops.locals ? crops.locals.shape[0] / b : 0;
  if (!Number.isInteger(nLocal)) throw new Error(`locals has ${crops.locals?.shape[0]} rows, not a multiple of the batch ${b}`);
  const nCrops = 2 + nLocal;
  const groups = crops.locals ? [crops.globals, crops.locals] : [crops.globals];

  const studentVars = networkVariables(student);
  const byTfName = new Map<string, string>();
  const varList: Variable[] = optimizer.paramNames.map((name) => {
    const v = studentVars.get(name);
    if (!v) throw new Error(`Optimizer parameter ${name} is not a student variable`);
    byTfName.set(v.name, name);
    return v;
  });

  // Micro-batches of images: rows [c·B + i] of each crop group, i in [start, end).
  const micro = Math.max(1, Math.min(parts.microBatch ?? b, b));
  const ranges: [number, number][] = [];
  for (let start = 0; start < b; start += micro) ranges.push([start, Math.min(b, start + micro)]);
  const rowsOf = (crops_: number, start: number, end: number): number[] =>
    Array.from({ length: crops_ * (end - start) }, (_, k) => Math.floor(k / (end - start)) * b + start + (k % (end - start)));

  const owned: Tensor[] = [];
  try {
    const teacherOuts: Tensor2D[] = [];
    let grads = new Map<string, Tensor>();
    const sums = { loss: tf.scalar(0), entropy: tf.scalar(0), kl: tf.scalar(0) };
    owned.push(sums.loss, sums.entropy, sums.kl);
    for (const [mbIndex, [start, end]] of ranges.entries()) {
      const m = end - start;
      const share = m / b; // the batch loss is the mean over images: each micro-batch weighs m/B
      const mbGroups =
        ranges.length === 1
          ? groups
          : groups.map((g, i) => tf.tidy(() => tf.gather(g, tf.tensor1d(rowsOf(i === 0 ? 2 : nLocal, start, end), 'int32')) as Tensor4D));
      if (ranges.length > 1) owned.push(...mbGroups);
      const mbGlobals = mbGroups[0] as Tensor4D;
      // Only the 2 global views pass through the teacher, outside any gradient tape.
      const teacherOut = tf.tidy(() => forwardMultiCrop(tf, teacher, [mbGlobals], { training: false }));
      teacherOuts.push(teacherOut);
      owned.push(teacherOut);
      const kept: { studentGlobal?: Tensor2D } = {};
      const { value, grads: rawGrads } = tf.variableGrads(() => {
        const studentOut = forwardMultiCrop(tf, student, mbGroups, { training: true, dropPathSeed: ranges.length === 1 ? globalStep : globalStep * 1024 + mbIndex });
        // Kept out of the gradient's tidy for the KL metric (same global views as the teacher).
        kept.studentGlobal = tf.keep(tf.slice(studentOut, [0, 0], [2 * m, -1]));
        return tf.mul(loss.compute(studentOut, teacherOut, epoch, nCrops), share) as Scalar;
      }, varList);
      const studentGlobal = kept.studentGlobal;
      if (!studentGlobal) throw new Error('student forward did not run');
      const metrics = collapseMetrics(tf, { teacherOut, studentGlobalOut: studentGlobal, center: loss.center, teacherTemp, studentTemp: loss.studentTemp });
      const next = tf.tidy(() => ({
        loss: tf.add(sums.loss, value) as Scalar,
        entropy: tf.add(sums.entropy, tf.mul(metrics.entropy, share)) as Scalar,
        kl: tf.add(sums.kl, tf.mul(metrics.kl, share)) as Scalar,
      }));
      tf.dispose([value, studentGlobal, metrics.entropy, metrics.kl, sums.loss, sums.entropy, sums.kl]);
      Object.assign(sums, next);
      owned.push(sums.loss, sums.entropy, sums.kl);
      const mbGrads = named(rawGrads, byTfName);
      if (grads.size === 0) grads = mbGrads;
      else {
        for (const [name, g] of mbGrads) {
          const previous = grads.get(name);
          grads.set(name, previous ? tf.add(previous, g) : g);
          if (previous) tf.dispose([previous, g]);
        }
      }
      if (ranges.length > 1) tf.dispose(mbGroups);
    }
    owned.push(...grads.values());
    const value = sums.loss;
    const metrics = { entropy: sums.entropy, kl: sums.kl };
    const teacherOut = teacherOuts.length === 1 ? (teacherOuts[0] as Tensor2D) : (tf.concat(teacherOuts) as Tensor2D);
    if (teacherOuts.length > 1) owned.push(teacherOut);

    let norms;
    if (parts.clipGrad > 0) {
      const clipped = clipGradients(tf, grads, parts.clipGrad);
      tf.dispose([...grads.values()]);
      grads = clipped.grads;
      norms = clipped.norms;
      owned.push(...grads.values());
    } else {
      norms = gradientNorms(tf, grads);
    }
    owned.push(norms);

    // One read-back for every number of this step.
    const summary = tf.tidy(() =>
      tf.stack([value, metrics.entropy, metrics.kl, tf.norm(norms), norms.size > 0 ? tf.max(norms) : tf.scalar(0)]),
    );
    const [lossValue = NaN, entropy = NaN, kl = NaN, gradNorm = NaN, maxParamGradNorm = NaN] = await readAndDispose(summary);
    if (!Number.isFinite(lossValue)) throw new NonFiniteLossError(globalStep, lossValue);

    // Gradients of the last layer are dropped (not zeroed) while it is frozen: AdamW then skips
    // it entirely, as PyTorch skips a parameter whose .grad is None.
    grads = cancelLastLayerGradients(grads, epoch, parts.freezeLastLayer);
    optimizer.step(grads, { lr, weightDecay: wd });

    updateTeacher(tf, networkVariables(teacher), studentVars, momentum);
    // The reference updates the centre inside the loss's forward, after the loss used the old centre.
    loss.updateCenter(teacherOut);

    const warning = parts.monitor ? parts.monitor.observe({ entropy, kl, teacherTemp, studentTemp: loss.studentTemp }) : null;
    return { loss: lossValue, lr, wd, momentum, teacherTemp, entropy, kl, gradNorm, maxParamGradNorm, warning };
  } finally {
    // Disposing twice is harmless in tfjs; cancelled gradients are already gone.
    tf.dispose(owned);
  }
}

function named(grads: NamedTensorMap, byTfName: ReadonlyMap<string, string>): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [tfName, g] of Object.entries(grads)) {
    const name = byTfName.get(tfName);
    if (g == null) continue;
    if (!name) {
      g.dispose();
      continue;
    }
    out.set(name, g);
  }
  return out;
}

async function readAndDispose(t: Tensor): Promise<number[]> {
  try {
    return Array.from(await t.data());
  } finally {
    t.dispose();
  }
}
