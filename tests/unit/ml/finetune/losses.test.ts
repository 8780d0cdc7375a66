/**
 * The downstream losses against PyTorch: BCEWithLogitsLoss(pos_weight, reduction='none')
 * masked-mean and F.cross_entropy, values and gradients w.r.t. the logits, on fixed tensors
 * with unknown labels and ±50 logits (numbers from tests/fixtures/ml/finetune/make-loss-reference.py).
 */
import { readFileSync } from 'node:fs';
import type { Scalar, Tensor2D } from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadEngine, type Tf } from '../../../../src-main/ml/engine/index.js';
import { maskedBceWithLogits, maskedTargets, positiveWeights, softmaxCrossEntropy } from '../../../../src-main/ml/finetune/losses.js';

interface Reference {
  bce: { logits: number[][]; truth: number[][]; posWeight: number[]; loss: number; grad: number[][] };
  ce: { logits: number[][]; classes: number[]; loss: number; grad: number[][] };
}
const REF = JSON.parse(readFileSync(new URL('../../../fixtures/ml/finetune/loss-reference.json', import.meta.url), 'utf8')) as Reference;

let tf: Tf;

function expectClose(got: ArrayLike<number>, want: readonly number[], tol: number): void {
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => expect(Math.abs(got[i]! - w), `[${i}] ${got[i]} vs ${w}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(w))));
}

// The cpu backend computes in plain JavaScript; training runs on wasm, so both are checked.
describe.each(['cpu', 'wasm'] as const)('on the %s backend', (backend) => {
  beforeAll(async () => {
    tf = (await loadEngine({ only: [backend], env: {} })).tf;
    expect(tf.getBackend()).toBe(backend);
  });

  describe('maskedBceWithLogits', () => {
    const { logits, truth, posWeight } = REF.bce;
    const [B, L] = [logits.length, logits[0]!.length];
    const truthArr = Int8Array.from(truth.flat());

    it('builds targets (unknown → 0) and a mask (unknown → 0)', () => {
      const { targets, mask } = maskedTargets(tf, truthArr, B, L);
      expect(Array.from(targets.dataSync())).toEqual(truth.flat().map((v) => (v === 1 ? 1 : 0)));
      expect(Array.from(mask.dataSync())).toEqual(truth.flat().map((v) => (v >= 0 ? 1 : 0)));
      tf.dispose([targets, mask]);
    });

    it('equals torch BCEWithLogitsLoss(pos_weight, reduction="none") averaged over known entries, finite at ±50', () => {
      const { targets, mask } = maskedTargets(tf, truthArr, B, L);
      const z = tf.tensor2d(logits);
      const pw = tf.tensor1d(posWeight);
      const loss = maskedBceWithLogits(tf, z, targets, mask, pw);
      const value = loss.dataSync()[0]!;
      expect(Number.isFinite(value)).toBe(true);
      expect(Math.abs(value - REF.bce.loss) / REF.bce.loss).toBeLessThan(1e-5);
      tf.dispose([targets, mask, z, pw, loss]);
    });

    it('has torch’s gradient w.r.t. the logits (zero on unknown entries)', () => {
      const { targets, mask } = maskedTargets(tf, truthArr, B, L);
      const pw = tf.tensor1d(posWeight);
      const z = tf.tensor2d(logits);
      const g = tf.grad((x) => maskedBceWithLogits(tf, x as Tensor2D, targets, mask, pw))(z);
      const got = g.dataSync();
      expectClose(got, REF.bce.grad.flat(), 1e-5);
      truth.flat().forEach((t, i) => {
        if (t < 0) expect(got[i]).toBe(0);
      });
      tf.dispose([targets, mask, pw, z, g]);
    });

    it('is 0 (not NaN) when nothing is known', () => {
      const { targets, mask } = maskedTargets(tf, Int8Array.from([-1, -1]), 1, 2);
      const z = tf.tensor2d([[3, -3]]);
      const pw = tf.tensor1d([1, 1]);
      const loss = maskedBceWithLogits(tf, z, targets, mask, pw);
      expect(loss.dataSync()[0]).toBe(0);
      tf.dispose([targets, mask, z, pw, loss]);
    });

    it('does not leak tensors', () => {
      const { targets, mask } = maskedTargets(tf, truthArr, B, L);
      const z = tf.tensor2d(logits);
      const pw = tf.tensor1d(posWeight);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) maskedBceWithLogits(tf, z, targets, mask, pw).dispose();
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([targets, mask, z, pw]);
    });
  });

  describe('softmaxCrossEntropy', () => {
    const { logits, classes } = REF.ce;

    it('equals torch F.cross_entropy (mean over images), finite at ±50', () => {
      const z = tf.tensor2d(logits);
      const loss = softmaxCrossEntropy(tf, z, Int32Array.from(classes));
      const value = loss.dataSync()[0]!;
      expect(Number.isFinite(value)).toBe(true);
      expect(Math.abs(value - REF.ce.loss) / REF.ce.loss).toBeLessThan(1e-5);
      tf.dispose([z, loss]);
    });

    it('has torch’s gradient w.r.t. the logits', () => {
      const z = tf.tensor2d(logits);
      const g = tf.grad((x) => softmaxCrossEntropy(tf, x as Tensor2D, Int32Array.from(classes)) as Scalar)(z);
      expectClose(g.dataSync(), REF.ce.grad.flat(), 1e-5);
      tf.dispose([z, g]);
    });
  });
});

describe('positiveWeights', () => {
  it('is neg/pos per label, capped, 1 without positives, ignoring unknown entries', () => {
    // 3 labels, 6 images. L0: 1 pos, 4 neg, 1 unknown → 4. L1: 1 pos, 5 neg → 5, capped at 4.5.
    // L2: no positives (3 neg, 3 unknown) → 1.
    const truth = Int8Array.from([
      [1, 0, -1],
      [0, 1, 0],
      [0, 0, -1],
      [-1, 0, 0],
      [0, 0, -1],
      [0, 0, 0],
    ].flat());
    expect(Array.from(positiveWeights(truth, 3, 4.5))).toEqual([4, 4.5, 1]);
    expect(Array.from(positiveWeights(truth, 3, 100))).toEqual([4, 5, 1]);
  });

  it('never goes below 1 (more positives than negatives) and handles all-unknown labels', () => {
    const truth = Int8Array.from([1, -1, 1, -1, 0, -1]); // L0: 2 pos, 1 neg; L1: all unknown
    expect(Array.from(positiveWeights(truth, 2, 10))).toEqual([1, 1]);
  });
});
