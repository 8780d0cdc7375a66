/**
 * The DINO loss (reference `main_dino.py` `DINOLoss`): cross-entropy between the centred,
 * sharpened teacher distribution on each global view and the student distribution on every
 * other view, averaged over those pairs; plus the centre, an EMA of the teacher's batch mean.
 *
 * Centring (subtracting C) stops one dimension from dominating; sharpening (teacher temperature
 * below the student's) stops the output from going uniform. Either alone collapses (report §4).
 */
import type { Scalar, Tensor, Tensor2D, Variable } from '@tensorflow/tfjs';
import type { Tf } from '../engine/index.js';

export interface DinoLossOptions {
  /** K. */
  outDim: number;
  /** τs; reference 0.1. */
  studentTemp: number;
  /** m of C ← m·C + (1−m)·mean(teacher); reference 0.9. Momentum 1 keeps C at 0: no centring. */
  centerMomentum: number;
  /** Teacher temperature per epoch (`teacherTempSchedule`). */
  teacherTempPerEpoch: Float64Array;
}

const stopGradients = new WeakMap<Tf, (x: Tensor) => Tensor>();

/** Identity whose gradient is zero (PyTorch's `.detach()`; tfjs has no such op). */
export function stopGradient<T extends Tensor>(tf: Tf, x: T): T {
  let fn = stopGradients.get(tf);
  if (!fn) {
    const g = tf.customGrad((...args) => {
      const x = args[0] as Tensor;
      return { value: tf.clone(x), gradFunc: (dy: Tensor) => tf.zerosLike(dy) };
    });
    fn = (x: Tensor) => g(x);
    stopGradients.set(tf, fn);
  }
  return fn(x) as T;
}

export class DinoLoss {
  /** C, [1, K], starts at zeros as the reference's registered buffer. Never trained. */
  readonly center: Variable;
  readonly studentTemp: number;
  readonly centerMomentum: number;
  readonly teacherTempPerEpoch: Float64Array;
  readonly #tf: Tf;

  constructor(tf: Tf, opts: DinoLossOptions) {
    this.#tf = tf;
    this.center = tf.variable(tf.zeros([1, opts.outDim]), false);
    this.studentTemp = opts.studentTemp;
    this.centerMomentum = opts.centerMomentum;
    this.teacherTempPerEpoch = opts.teacherTempPerEpoch;
  }

  teacherTemp(epoch: number): number {
    const t = this.teacherTempPerEpoch[epoch];
    if (t === undefined) throw new RangeError(`No teacher temperature for epoch ${epoch} (schedule has ${this.teacherTempPerEpoch.length} epochs)`);
    return t;
  }

  /** softmax((t − C) / τt): the centred, sharpened teacher targets. */
  teacherProbs(teacherOut: Tensor2D, epoch: number): Tensor2D {
    const tf = this.#tf;
    return tf.tidy(() => tf.softmax(tf.div(tf.sub(teacherOut, this.center), this.teacherTemp(epoch))));
  }

  /**
   * studentOut: all crops stacked crop-major, [nCrops·B, K] (global 1, global 2, locals);
   * teacherOut: the 2 global crops, [2·B, K]. Returns the scalar loss. Gradients flow into the
   * student only: the teacher targets are computed outside the tape (stop-gradient).
   */
  compute(studentOut: Tensor2D, teacherOut: Tensor2D, epoch: number, nCrops: number): Scalar {
    const tf = this.#tf;
    const rows = studentOut.shape[0];
    if (nCrops < 2 || rows % nCrops !== 0) throw new Error(`DinoLoss: ${rows} student rows do not split into ${nCrops} crops`);
    const b = rows / nCrops;
    if (teacherOut.shape[0] !== 2 * b) throw new Error(`DinoLoss: teacher has ${teacherOut.shape[0]} rows, expected 2 global crops × ${b}`);
    // The teacher is a target: no gradient may reach it (`.detach()` in the reference).
    const targets = tf.tidy(() => stopGradient(tf, this.teacherProbs(teacherOut, epoch)));
    try {
      const q = tf.split(targets, 2, 0);
      try {
        return tf.tidy(() => {
          const logP = tf.split(tf.logSoftmax(tf.div(studentOut, this.studentTemp)), nCrops, 0);
          let total: Tensor = tf.scalar(0);
          let terms = 0;
          q.forEach((qi, iq) => {
            logP.forEach((lv, v) => {
              // Skip the pair where teacher and student saw the same view.
              if (v === iq) return;
              total = tf.add(total, tf.mean(tf.sum(tf.mul(tf.neg(qi), lv), -1)));
              terms += 1;
            });
          });
          return tf.div(total, terms) as Scalar;
        });
      } finally {
        tf.dispose(q);
      }
    } finally {
      targets.dispose();
    }
  }

  /** C ← m·C + (1−m)·mean over the batch of the raw (uncentred) teacher outputs. No gradient. */
  updateCenter(teacherOut: Tensor2D): void {
    const tf = this.#tf;
    const m = this.centerMomentum;
    tf.tidy(() => {
      const batchCenter = tf.mean(teacherOut, 0, true);
      this.center.assign(tf.add(tf.mul(this.center, m), tf.mul(batchCenter, 1 - m)));
    });
  }

  dispose(): void {
    this.center.dispose();
  }
}
