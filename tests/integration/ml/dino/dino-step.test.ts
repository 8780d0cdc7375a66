/**
 * One DINO step end to end on the cpu backend with the tiny backbone: no gradient reaches the
 * teacher, tensors do not leak, the student learns, and the two collapses of the report's
 * Figure 4 appear when centring or sharpening is switched off — and not when both are on.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Tf } from '../../../../src-main/ml/engine/index.js';
import { makeDinoConfig } from '../../../../src-main/ml/dino/config.js';
import { dinoStep, NonFiniteLossError } from '../../../../src-main/ml/dino/dino-step.js';
import { networkVariables } from '../../../../src-main/ml/dino/multi-crop-wrapper.js';
import { cpuTf } from '../../../unit/ml/dino/tf-cpu.js';
import { TOY_CONFIG, makeToyRun } from './toy-dino.js';

let tf: Tf;
beforeAll(async () => {
  tf = await cpuTf();
});

const snapshot = (vars: Map<string, { dataSync(): ArrayLike<number> }>) => new Map([...vars].map(([k, v]) => [k, Array.from(v.dataSync())]));

describe('dinoStep', () => {
  it('returns the step’s schedule values and finite metrics', async () => {
    const run = makeToyRun(tf, TOY_CONFIG, { stepsPerEpoch: 10 });
    const r = await run.step(3);
    expect(r.lr).toBe(run.parts.schedules.lr[3]);
    expect(r.wd).toBe(run.parts.schedules.weightDecay[3]);
    expect(r.momentum).toBe(run.parts.schedules.teacherMomentum[3]);
    expect(r.teacherTemp).toBe(0.04);
    for (const v of [r.loss, r.entropy, r.kl, r.gradNorm, r.maxParamGradNorm]) expect(Number.isFinite(v)).toBe(true);
    // H(Pt, Ps) = h(Pt) + KL(Pt‖Ps) on the same view; the loss pairs different views, so only roughly.
    expect(r.entropy).toBeGreaterThan(0);
    expect(r.kl).toBeGreaterThanOrEqual(0);
    run.dispose();
  });

  it('never gives the teacher a gradient: it moves only by the EMA of the updated student', async () => {
    const run = makeToyRun(tf, TOY_CONFIG, { stepsPerEpoch: 10 });
    const teacherVars = networkVariables(run.parts.teacher);
    expect([...teacherVars.values()].some((v) => v.trainable)).toBe(false);
    expect(run.parts.optimizer.paramNames.every((n) => networkVariables(run.parts.student).get(n)?.trainable)).toBe(true);
    const before = snapshot(teacherVars);
    const r = await run.step(0);
    const studentAfter = snapshot(networkVariables(run.parts.student));
    for (const [name, v] of teacherVars) {
      const t0 = before.get(name)!;
      const s1 = studentAfter.get(name)!;
      Array.from(v.dataSync()).forEach((x, i) => expect(x).toBeCloseTo(r.momentum * t0[i]! + (1 - r.momentum) * s1[i]!, 5));
    }
    run.dispose();
  });

  it('does not update the last layer during the first epoch (freeze_last_layer), and does after', async () => {
    const run = makeToyRun(tf, TOY_CONFIG, { stepsPerEpoch: 2 });
    const v = run.parts.student.head.variables.get('last_layer.weight_v')!;
    const w = run.parts.student.head.variables.get('mlp.0.weight')!;
    const [v0, w0] = [Array.from(v.dataSync()), Array.from(w.dataSync())];
    await run.step(0);
    await run.step(1);
    expect(Array.from(v.dataSync())).toEqual(v0);
    expect(Array.from(w.dataSync())).not.toEqual(w0);
    await run.step(2); // epoch 1
    expect(Array.from(v.dataSync())).not.toEqual(v0);
    run.dispose();
  });

  it('keeps tf.memory().numTensors flat across 5 steps', async () => {
    const run = makeToyRun(tf, TOY_CONFIG, { stepsPerEpoch: 10 });
    await run.step(0);
    const before = tf.memory().numTensors;
    for (let s = 1; s <= 5; s++) {
      await run.step(s);
      expect(tf.memory().numTensors).toBe(before);
    }
    run.dispose();
  });

  it('stops on a non-finite loss before touching the weights, without leaking', async () => {
    const run = makeToyRun(tf, TOY_CONFIG, { stepsPerEpoch: 10 });
    const batch = run.nextBatch(0);
    const bad = { globals: tf.mul(batch.globals, NaN) as typeof batch.globals, locals: batch.locals };
    const w = run.parts.student.head.variables.get('mlp.0.weight')!;
    const w0 = Array.from(w.dataSync());
    const before = tf.memory().numTensors;
    await expect(dinoStep(run.parts, bad, 0, 0)).rejects.toBeInstanceOf(NonFiniteLossError);
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(w.dataSync())).toEqual(w0);
    tf.dispose([batch.globals, bad.globals, ...(batch.locals ? [batch.locals] : [])]);
    run.dispose();
  });

  it('learns: with a fixed teacher and centre (pure distillation) the loss falls', async () => {
    const config = makeDinoConfig({ ...TOY_CONFIG, momentumTeacher: 1, centerMomentum: 1, freezeLastLayer: 0, warmupEpochs: 0, epochs: 1 });
    const run = makeToyRun(tf, config, { stepsPerEpoch: 40 });
    const losses: number[] = [];
    for (let s = 0; s < 40; s++) losses.push((await run.step(s)).loss);
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    expect(mean(losses.slice(-5))).toBeLessThan(0.8 * mean(losses.slice(0, 5)));
    run.dispose();
  });
});

describe('collapse (report §4, Figure 4)', () => {
  const STEPS = 120;
  const logK = Math.log(TOY_CONFIG.outDim);
  async function train(overrides: Parameters<typeof makeDinoConfig>[0]) {
    const config = makeDinoConfig({ ...TOY_CONFIG, ...overrides });
    const run = makeToyRun(tf, config, { stepsPerEpoch: STEPS / config.epochs });
    const h: number[] = [];
    const kl: number[] = [];
    for (let s = 0; s < STEPS; s++) {
      const r = await run.step(s);
      h.push(r.entropy);
      kl.push(r.kl);
    }
    const tail = (a: number[]) => a.slice(-20).reduce((x, y) => x + y, 0) / 20;
    const result = { entropyRatio: tail(h) / logK, kl: tail(kl), warning: run.parts.monitor!.status() };
    run.dispose();
    return result;
  }

  it('without centring (centre momentum 1: C stays 0) the teacher entropy falls to 0: dimension collapse', async () => {
    const r = await train({ centerMomentum: 1 });
    expect(r.entropyRatio).toBeLessThan(0.01);
    expect(r.kl).toBeLessThan(1e-2);
    expect(r.warning?.kind).toBe('dimension-collapse');
  });

  it('without sharpening (teacher temperature = student temperature, 0.1) the entropy rises to log K: uniform collapse', async () => {
    const r = await train({ teacherTemp: 0.1, warmupTeacherTemp: 0.1 });
    expect(r.entropyRatio).toBeGreaterThan(0.98);
    expect(r.kl).toBeLessThan(1e-2);
    expect(r.warning?.kind).toBe('uniform-collapse');
  });

  it('with both, neither: entropy stays between the extremes and the student still disagrees with the teacher', async () => {
    const r = await train({});
    expect(r.entropyRatio).toBeGreaterThan(0.1);
    expect(r.entropyRatio).toBeLessThan(0.97);
    expect(r.kl).toBeGreaterThan(0.05);
    expect(r.warning).toBeNull();
  });
});
