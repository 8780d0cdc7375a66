import { beforeAll, describe, expect, it } from 'vitest';
import type { Tensor } from '@tensorflow/tfjs';
import type { Tf } from '../../../../src-main/ml/engine/index.js';
import { cancelLastLayerGradients, clipGradients, gradientNorms } from '../../../../src-main/ml/optim/clip.js';
import { cpuTf } from '../dino/tf-cpu.js';

let tf: Tf;
beforeAll(async () => {
  tf = await cpuTf();
});

describe('clipGradients (utils.clip_gradients)', () => {
  it('scales each gradient above the limit by clip/(norm + 1e-6), leaves the others as they are, returns the norms', () => {
    const grads = new Map<string, Tensor>([
      ['a.weight', tf.tensor1d([3, 4])], // norm 5
      ['b.weight', tf.tensor2d([[0.3], [0.4]])], // norm 0.5
    ]);
    const before = tf.memory().numTensors;
    const { grads: out, norms } = clipGradients(tf, grads, 1);
    expect(tf.memory().numTensors).toBe(before + 3);
    const coef = 1 / (5 + 1e-6);
    const a = out.get('a.weight')!.dataSync();
    expect(a[0]).toBeCloseTo(3 * coef, 6);
    expect(a[1]).toBeCloseTo(4 * coef, 6);
    expect(Array.from(out.get('b.weight')!.dataSync())).toEqual(Array.from(grads.get('b.weight')!.dataSync()));
    const n = norms.dataSync();
    expect(n[0]).toBeCloseTo(5, 5);
    expect(n[1]).toBeCloseTo(0.5, 6);
    // Per parameter, not global: the global norm (√25.25) plays no part.
    const gn = gradientNorms(tf, grads);
    expect(gn.dataSync()[0]).toBeCloseTo(5, 5);
    tf.dispose([...grads.values(), ...out.values(), norms, gn]);
  });

  it('fused (one vector of norms) gives bit-identical gradients and norms, without leaking', () => {
    const grads = new Map<string, Tensor>([
      ['a', tf.randomNormal([4, 5], 0, 3, 'float32', 1)],
      ['b', tf.randomNormal([7], 0, 0.1, 'float32', 2)],
      ['c', tf.randomNormal([2, 3, 2], 0, 10, 'float32', 3)],
    ]);
    const plain = clipGradients(tf, grads, 3, false);
    const before = tf.memory().numTensors;
    const fused = clipGradients(tf, grads, 3, true);
    expect(tf.memory().numTensors - before).toBe(grads.size + 1); // the clipped gradients and the norms
    expect([...fused.grads.keys()]).toEqual([...grads.keys()]);
    expect(Array.from(fused.norms.dataSync())).toEqual(Array.from(plain.norms.dataSync()));
    for (const [name, g] of plain.grads) expect(Array.from(fused.grads.get(name)!.dataSync()), name).toEqual(Array.from(g.dataSync()));
    tf.dispose([...grads.values(), ...plain.grads.values(), plain.norms, ...fused.grads.values(), fused.norms]);
  });

  it('refuses clip ≤ 0 (no clipping is the caller’s choice, not 0)', () => {
    expect(() => clipGradients(tf, new Map(), 0)).toThrow(RangeError);
  });
});

describe('cancelLastLayerGradients (utils.cancel_gradients_last_layer)', () => {
  it('drops and disposes last-layer gradients while epoch < freezeLastLayer, keeps them after', () => {
    const make = () =>
      new Map<string, Tensor>([
        ['head.mlp.0.weight', tf.ones([2])],
        ['head.last_layer.weight_v', tf.ones([2])],
        ['head.last_layer.weight_g', tf.ones([2])],
      ]);
    const early = make();
    const lastV = early.get('head.last_layer.weight_v')!;
    cancelLastLayerGradients(early, 0, 1);
    expect([...early.keys()]).toEqual(['head.mlp.0.weight']);
    expect(lastV.isDisposed).toBe(true);
    const later = make();
    cancelLastLayerGradients(later, 1, 1);
    expect(later.size).toBe(3);
    const never = make();
    cancelLastLayerGradients(never, 0, 0);
    expect(never.size).toBe(3);
    tf.dispose([...early.values(), ...later.values(), ...never.values()]);
  });
});
