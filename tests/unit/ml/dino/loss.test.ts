import { beforeAll, describe, expect, it } from 'vitest';
import type { Tensor2D } from '@tensorflow/tfjs';
import type { Tf } from '../../../../src-main/ml/engine/index.js';
import { DinoLoss } from '../../../../src-main/ml/dino/loss.js';
import { cpuTf } from './tf-cpu.js';

let tf: Tf;
beforeAll(async () => {
  tf = await cpuTf();
});

const softmax = (row: number[]): number[] => {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};
const logSoftmax = (row: number[]): number[] => softmax(row).map(Math.log);

/** The reference's double loop, in plain JavaScript on row arrays. */
function referenceLoss(student: number[][], teacher: number[][], center: number[], nCrops: number, tt: number, ts: number): number {
  const b = teacher.length / 2;
  const q = teacher.map((r) => softmax(r.map((v, k) => (v - center[k]!) / tt)));
  const logp = student.map((r) => logSoftmax(r.map((v) => v / ts)));
  let total = 0;
  let terms = 0;
  for (let iq = 0; iq < 2; iq++) {
    for (let v = 0; v < nCrops; v++) {
      if (v === iq) continue;
      let sum = 0;
      for (let i = 0; i < b; i++) {
        const qi = q[iq * b + i]!;
        const li = logp[v * b + i]!;
        sum += qi.reduce((acc, qk, k) => acc - qk * li[k]!, 0);
      }
      total += sum / b;
      terms += 1;
    }
  }
  return total / terms;
}

const t2 = (rows: number[][]): Tensor2D => tf.tensor2d(rows);

describe('DinoLoss', () => {
  const student = [
    [0.2, -0.1, 0.4], // crop 0 (global 1), sample 0
    [-0.3, 0.5, 0.1], // crop 0, sample 1
    [0.1, 0.1, -0.2], // crop 1 (global 2)
    [0.0, -0.4, 0.3],
    [0.6, 0.2, -0.5], // crop 2 (local)
    [-0.2, 0.0, 0.2],
    [0.3, -0.3, 0.0], // crop 3 (local)
    [0.1, 0.4, -0.1],
  ];
  const teacher = [
    [0.5, -0.2, 0.1],
    [-0.1, 0.3, 0.2],
    [0.2, 0.2, -0.4],
    [0.0, -0.3, 0.6],
  ];

  it('is log K when every output is zero (uniform targets, uniform predictions)', async () => {
    const loss = new DinoLoss(tf, { outDim: 3, studentTemp: 0.1, centerMomentum: 0.9, teacherTempPerEpoch: Float64Array.of(0.04) });
    const v = loss.compute(tf.zeros([8, 3]), tf.zeros([4, 3]), 0, 4);
    expect(await v.data()).toHaveLength(1);
    expect(v.dataSync()[0]).toBeCloseTo(Math.log(3), 6);
    v.dispose();
    loss.dispose();
  });

  it('averages over the 2·nCrops − 2 pairs, skipping the same view (K=3, B=2, 4 crops)', () => {
    const loss = new DinoLoss(tf, { outDim: 3, studentTemp: 0.1, centerMomentum: 0.9, teacherTempPerEpoch: Float64Array.of(0.04, 0.07) });
    for (const epoch of [0, 1]) {
      const [s, t] = [t2(student), t2(teacher)];
      const v = loss.compute(s, t, epoch, 4);
      const want = referenceLoss(student, teacher, [0, 0, 0], 4, epoch === 0 ? 0.04 : 0.07, 0.1);
      expect(v.dataSync()[0]).toBeCloseTo(want, 4);
      tf.dispose([s, t, v]);
    }
    loss.dispose();
  });

  it('pairs exactly (teacher view, other student views): a hand-built two-crop case', () => {
    // K=2, B=1, 2 crops: pairs are (t0, s1) and (t1, s0). With teacher temp 1, centre 0:
    // q0 = softmax([ln 3, 0]) = [3/4, 1/4]; q1 = softmax([0, 0]) = [1/2, 1/2];
    // student temp 1: log p0 = log softmax([0, 0]) = [ln ½, ln ½]; log p1 = log softmax([ln 4, 0]) = [ln ⅘, ln ⅕].
    // H(q0, p1) = −(¾ ln ⅘ + ¼ ln ⅕); H(q1, p0) = ln 2. Loss = their mean.
    const loss = new DinoLoss(tf, { outDim: 2, studentTemp: 1, centerMomentum: 0.9, teacherTempPerEpoch: Float64Array.of(1) });
    const s = t2([[0, 0], [Math.log(4), 0]]);
    const t = t2([[Math.log(3), 0], [0, 0]]);
    const v = loss.compute(s, t, 0, 2);
    const want = (-(0.75 * Math.log(0.8) + 0.25 * Math.log(0.2)) + Math.log(2)) / 2;
    expect(v.dataSync()[0]).toBeCloseTo(want, 6);
    tf.dispose([s, t, v]);
    loss.dispose();
  });

  it('centres the teacher with the current centre before sharpening', () => {
    const loss = new DinoLoss(tf, { outDim: 3, studentTemp: 0.1, centerMomentum: 0.9, teacherTempPerEpoch: Float64Array.of(0.04) });
    const c = [0.3, -0.2, 0.05];
    loss.center.assign(tf.tensor2d([c]));
    const [s, t] = [t2(student), t2(teacher)];
    const v = loss.compute(s, t, 0, 4);
    expect(v.dataSync()[0]).toBeCloseTo(referenceLoss(student, teacher, c, 4, 0.04, 0.1), 4);
    tf.dispose([s, t, v]);
    loss.dispose();
  });

  it('updateCenter is an EMA of the batch mean of the raw teacher outputs', () => {
    const loss = new DinoLoss(tf, { outDim: 3, studentTemp: 0.1, centerMomentum: 0.9, teacherTempPerEpoch: Float64Array.of(0.04) });
    const t = t2(teacher);
    const mean = [0, 1, 2].map((k) => teacher.reduce((a, r) => a + r[k]!, 0) / 4);
    loss.updateCenter(t);
    Array.from(loss.center.dataSync()).forEach((v, k) => expect(v).toBeCloseTo(0.1 * mean[k]!, 6));
    loss.updateCenter(t);
    // C2 = 0.9·(0.1·mean) + 0.1·mean = 0.19·mean
    Array.from(loss.center.dataSync()).forEach((v, k) => expect(v).toBeCloseTo(0.19 * mean[k]!, 6));
    t.dispose();
    loss.dispose();
  });

  it('gives gradients to the student output only, equal to the analytic (p − q)/τs sum', () => {
    const loss = new DinoLoss(tf, { outDim: 3, studentTemp: 0.1, centerMomentum: 0.9, teacherTempPerEpoch: Float64Array.of(0.04) });
    const [s, t] = [t2(student), t2(teacher)];
    const [gs, gt] = tf.grads((a, b) => loss.compute(a as Tensor2D, b as Tensor2D, 0, 4))([s, t]);
    // The teacher targets are a constant for the loss: a stop-gradient.
    // (tfjs returns zeros for an input the value does not depend on through a differentiable path.)
    expect(Math.max(...Array.from(gt!.dataSync()).map(Math.abs))).toBe(0);
    // d loss / d s_v = Σ_{iq ≠ v} (p_v − q_iq) / (τs · B · terms), terms = 6.
    const q = teacher.map((r) => softmax(r.map((v) => v / 0.04)));
    const p = student.map((r) => softmax(r.map((v) => v / 0.1)));
    const g = Array.from(gs!.dataSync());
    for (let v = 0; v < 4; v++) {
      for (let i = 0; i < 2; i++) {
        for (let k = 0; k < 3; k++) {
          let want = 0;
          for (let iq = 0; iq < 2; iq++) if (iq !== v) want += (p[v * 2 + i]![k]! - q[iq * 2 + i]![k]!) / (0.1 * 2 * 6);
          expect(g[(v * 2 + i) * 3 + k]).toBeCloseTo(want, 4);
        }
      }
    }
    tf.dispose([s, t, gs!, gt!]);
    loss.dispose();
  });

  it('keeps the tensor count flat', () => {
    const loss = new DinoLoss(tf, { outDim: 3, studentTemp: 0.1, centerMomentum: 0.9, teacherTempPerEpoch: Float64Array.of(0.04) });
    const [s, t] = [t2(student), t2(teacher)];
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      loss.compute(s, t, 0, 4).dispose();
      loss.updateCenter(t);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([s, t]);
    loss.dispose();
  });

  it('rejects shapes that do not split into crops', () => {
    const loss = new DinoLoss(tf, { outDim: 3, studentTemp: 0.1, centerMomentum: 0.9, teacherTempPerEpoch: Float64Array.of(0.04) });
    const [s, t] = [t2(student), t2(teacher)];
    expect(() => loss.compute(s, t, 0, 3)).toThrow(/crops/);
    expect(() => loss.compute(s, t, 5, 4)).toThrow(RangeError);
    tf.dispose([s, t]);
    loss.dispose();
  });
});
