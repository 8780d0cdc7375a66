import { beforeAll, describe, expect, it } from 'vitest';
import type { Tensor, Variable } from '@tensorflow/tfjs';
import type { Tf } from '../../../../src-main/ml/engine/index.js';
import { AdamW, isRegularized } from '../../../../src-main/ml/optim/adamw.js';
import { cpuTf } from '../dino/tf-cpu.js';

let tf: Tf;
beforeAll(async () => {
  tf = await cpuTf();
});

/** torch.optim.AdamW's update for one parameter, transcribed in float64. */
function torchAdamW(p: number[], grads: number[][], hp: { lr: number; wd: number }[]): number[] {
  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  let m = p.map(() => 0);
  let v = p.map(() => 0);
  let x = [...p];
  grads.forEach((g, t) => {
    const step = t + 1;
    const { lr, wd } = hp[t]!;
    x = x.map((xi) => xi * (1 - lr * wd));
    m = m.map((mi, i) => b1 * mi + (1 - b1) * g[i]!);
    v = v.map((vi, i) => b2 * vi + (1 - b2) * g[i]! * g[i]!);
    const bc1 = 1 - b1 ** step;
    const bc2 = 1 - b2 ** step;
    x = x.map((xi, i) => xi - (lr / bc1) * (m[i]! / (Math.sqrt(v[i]!) / Math.sqrt(bc2) + eps)));
  });
  return x;
}

function params(): Map<string, Variable> {
  return new Map<string, Variable>([
    ['layer.weight', tf.variable(tf.tensor2d([[1, -2]]))],
    ['layer.bias', tf.variable(tf.tensor2d([[0.5, 0.25]]))], // 2-D but named .bias: not decayed
    ['norm.weight', tf.variable(tf.tensor1d([1, 1]))], // 1-D: not decayed
    ['frozen.weight', tf.variable(tf.tensor2d([[7]]), false)],
  ]);
}

const grad = (rows: number[][]): Tensor => tf.tensor2d(rows);

describe('AdamW (PyTorch semantics)', () => {
  it('splits parameters into the reference groups and skips non-trainable ones', () => {
    const p = params();
    const opt = new AdamW(tf, p);
    expect(opt.groups).toEqual({ regularized: ['layer.weight'], notRegularized: ['layer.bias', 'norm.weight'] });
    expect(isRegularized('blocks.0.attn.qkv.weight', p.get('layer.weight')!)).toBe(true);
    opt.dispose();
    tf.dispose([...p.values()]);
  });

  it('first step by hand: decay p·(1 − lr·wd), then a step of lr·sign(g)', () => {
    const p = params();
    const opt = new AdamW(tf, p);
    const g = grad([[0.5, -1]]);
    opt.step(new Map([['layer.weight', g]]), { lr: 0.1, weightDecay: 0.5 });
    // [1, −2]·0.95 = [0.95, −1.9]; m̂/√v̂ = sign(g) → [0.95 − 0.1, −1.9 + 0.1]
    const got = p.get('layer.weight')!.dataSync();
    expect(got[0]).toBeCloseTo(0.85, 6);
    expect(got[1]).toBeCloseTo(-1.8, 6);
    tf.dispose([g, ...p.values()]);
    opt.dispose();
  });

  it('matches torch.optim.AdamW over several steps with changing lr and wd, per group', () => {
    const p = params();
    const opt = new AdamW(tf, p);
    const gs = [[[0.5, -1]], [[0.5, 1]], [[-0.2, 0.03]], [[1e-4, 2]]];
    const hp = [{ lr: 0.1, wd: 0.5 }, { lr: 0.05, wd: 0.1 }, { lr: 0.02, wd: 0.3 }, { lr: 0.01, wd: 0.04 }];
    for (let t = 0; t < gs.length; t++) {
      const g = grad(gs[t]!);
      const gb = grad(gs[t]!);
      const gn = tf.tensor1d(gs[t]![0]!);
      opt.step(new Map([['layer.weight', g], ['layer.bias', gb], ['norm.weight', gn]]), { lr: hp[t]!.lr, weightDecay: hp[t]!.wd });
      tf.dispose([g, gb, gn]);
    }
    const flat = gs.map((g) => g[0]!);
    const w = torchAdamW([1, -2], flat, hp);
    const b = torchAdamW([0.5, 0.25], flat, hp.map((h) => ({ ...h, wd: 0 })));
    const n = torchAdamW([1, 1], flat, hp.map((h) => ({ ...h, wd: 0 })));
    p.get('layer.weight')!.dataSync().forEach((v, i) => expect(v).toBeCloseTo(w[i]!, 5));
    p.get('layer.bias')!.dataSync().forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 5));
    p.get('norm.weight')!.dataSync().forEach((v, i) => expect(v).toBeCloseTo(n[i]!, 5));
    expect(p.get('frozen.weight')!.dataSync()[0]).toBe(7);
    tf.dispose([...p.values()]);
    opt.dispose();
  });

  it('skips a parameter without a gradient entirely: no decay, no step (its bias correction starts later)', () => {
    const p = params();
    const opt = new AdamW(tf, p);
    const g = tf.tensor1d([1, 1]);
    opt.step(new Map([['norm.weight', g]]), { lr: 0.1, weightDecay: 0.5 });
    expect(Array.from(p.get('layer.weight')!.dataSync())).toEqual([1, -2]);
    expect(opt.stepOf('layer.weight')).toBe(0);
    expect(opt.stepOf('norm.weight')).toBe(1);
    const gw = grad([[0.5, -1]]);
    opt.step(new Map([['layer.weight', gw]]), { lr: 0.1, weightDecay: 0.5 });
    const got = p.get('layer.weight')!.dataSync();
    expect(got[0]).toBeCloseTo(0.85, 6); // same as a first step
    tf.dispose([g, gw, ...p.values()]);
    opt.dispose();
  });

  it('exports and restores its state (moments and step counts) for checkpoints', async () => {
    const p1 = params();
    const p2 = params();
    const a = new AdamW(tf, p1);
    const b = new AdamW(tf, p2);
    const g = grad([[0.3, -0.7]]);
    a.step(new Map([['layer.weight', g]]), { lr: 0.1, weightDecay: 0.1 });
    const state = await a.state();
    expect(Object.keys(state)).toContain('layer.weight/exp_avg');
    expect(state['layer.weight/step']![0]).toBe(1);
    b.loadState(state);
    p2.get('layer.weight')!.assign(p1.get('layer.weight')! as Variable);
    a.step(new Map([['layer.weight', g]]), { lr: 0.1, weightDecay: 0.1 });
    b.step(new Map([['layer.weight', g]]), { lr: 0.1, weightDecay: 0.1 });
    expect(Array.from(p2.get('layer.weight')!.dataSync())).toEqual(Array.from(p1.get('layer.weight')!.dataSync()));
    expect(() => b.loadState({})).toThrow(/no entry/);
    tf.dispose([g, ...p1.values(), ...p2.values()]);
    a.dispose();
    b.dispose();
  });

  it('keeps the tensor count flat across steps', () => {
    const p = params();
    const opt = new AdamW(tf, p);
    const g = grad([[0.5, -1]]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) opt.step(new Map([['layer.weight', g]]), { lr: 0.1, weightDecay: 0.5 });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([g, ...p.values()]);
    opt.dispose();
  });

  it('leaves no tensor behind once disposed (its moments are its only allocations)', () => {
    const before = tf.memory().numTensors;
    const init = tf.ones([4, 3]);
    const w = tf.variable(init, true, 'leak-check/w');
    init.dispose();
    const afterParam = tf.memory().numTensors;
    const opt = new AdamW(tf, new Map([['w', w]]));
    expect(tf.memory().numTensors - afterParam).toBe(2);
    opt.dispose();
    w.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('fused (flat groups) gives bit-identical parameters and moments to the per-parameter update', () => {
    // Mixed groups: decayed and not, two lr scales, and a parameter that misses some steps (as
    // the frozen last layer does), so that its step count and bias correction differ.
    const make = () =>
      new Map<string, Variable>([
        ['a.weight', tf.variable(tf.tensor2d([[1, -2, 3], [0.5, 0.25, -4]]))],
        ['b.weight', tf.variable(tf.tensor2d([[0.3], [-0.7]]))],
        ['c.bias', tf.variable(tf.tensor1d([0.1, -0.2]))],
        ['n.weight', tf.variable(tf.tensor1d([1, 1, 1]))],
        ['last_layer.weight', tf.variable(tf.tensor2d([[2, -1]]))],
        ['slow.weight', tf.variable(tf.tensor2d([[5, 6]]))],
      ]);
    const lrScale = new Map([['slow.weight', 0.1]]);
    const [p1, p2] = [make(), make()];
    const [plain, fused] = [new AdamW(tf, p1, { lrScale, fused: false }), new AdamW(tf, p2, { lrScale, fused: true })];
    const grads: Tensor[] = [];
    for (let step = 0; step < 4; step++) {
      const g = new Map<string, Tensor>();
      for (const [name, v] of p1) {
        if (name.startsWith('last_layer') && step < 2) continue;
        const t = tf.randomNormal(v.shape, 0, 1, 'float32', 100 * step + name.length);
        grads.push(t);
        g.set(name, t);
      }
      plain.step(g, { lr: 0.05, weightDecay: 0.3 });
      fused.step(g, { lr: 0.05, weightDecay: 0.3 });
    }
    for (const name of p1.keys()) {
      expect(Array.from(p2.get(name)!.dataSync()), name).toEqual(Array.from(p1.get(name)!.dataSync()));
      expect(fused.stepOf(name), name).toBe(plain.stepOf(name));
    }
    expect(fused.stepOf('last_layer.weight')).toBe(2);
    return Promise.all([plain.state(), fused.state()]).then(([a, b]) => {
      expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
      for (const k of Object.keys(a)) expect(Array.from(b[k]!), k).toEqual(Array.from(a[k]!));
      tf.dispose([...grads, ...p1.values(), ...p2.values()]);
      plain.dispose();
      fused.dispose();
    });
  });

  it('fused keeps the tensor count flat across steps', () => {
    const p = params();
    const opt = new AdamW(tf, p, { fused: true });
    const g = new Map<string, Tensor>([
      ['layer.weight', grad([[0.5, -1]])],
      ['layer.bias', grad([[0.1, 0.2]])],
      ['norm.weight', tf.tensor1d([0.3, -0.3])],
    ]);
    opt.step(g, { lr: 0.1, weightDecay: 0.5 });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) opt.step(g, { lr: 0.1, weightDecay: 0.5 });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...g.values(), ...p.values()]);
    opt.dispose();
  });
});
