/**
 * A tiny stand-in backbone for DINO tests (the ViT lives in src-main/ml/models and is tested
 * there): average-pool the crop to 8×8, flatten, Linear-GELU-Linear to D features. Any crop
 * size divisible by 8 works, so global and local crops share it as a ViT's would.
 */
import type { Tensor, Tensor1D, Tensor2D, Tensor4D, Variable } from '@tensorflow/tfjs';
import type { Tf } from '../../../../src-main/ml/engine/index.js';
import type { Backbone } from '../../../../src-main/ml/dino/backbone.js';
import { gelu } from '../../../../src-main/ml/dino/head.js';
import { denseCustomGrad } from '../../../../src-main/ml/dino/linear.js';

export class TinyBackbone implements Backbone {
  readonly name = 'tiny-mlp';
  readonly outDim: number;
  readonly variables: ReadonlyMap<string, Variable>;
  readonly #tf: Tf;

  constructor(tf: Tf, opts: { outDim?: number; hidden?: number; seed?: number; trainable?: boolean } = {}) {
    this.#tf = tf;
    this.outDim = opts.outDim ?? 16;
    const hidden = opts.hidden ?? 32;
    const seed = opts.seed ?? 1;
    const trainable = opts.trainable ?? true;
    this.variables = new Map([
      ['fc1.weight', tf.variable(tf.randomNormal([64, hidden], 0, 1 / 8, 'float32', seed), trainable)],
      ['fc1.bias', tf.variable(tf.zeros([hidden]), trainable)],
      // A 1-D "norm" gain, to exercise the not-regularised group.
      ['norm.weight', tf.variable(tf.ones([hidden]), trainable)],
      ['fc2.weight', tf.variable(tf.randomNormal([hidden, this.outDim], 0, 1 / Math.sqrt(hidden), 'float32', seed + 1), trainable)],
      ['fc2.bias', tf.variable(tf.zeros([this.outDim]), trainable)],
    ]);
  }

  apply(x: Tensor4D, _opts: { training: boolean; dropPathSeed?: number }): Tensor2D {
    const tf = this.#tf;
    const dense = denseCustomGrad(tf);
    const v = (k: string): Tensor => this.variables.get(k)!;
    return tf.tidy(() => {
      const k = x.shape[1] / 8;
      const pooled = tf.reshape(tf.avgPool(x, k, k, 'valid'), [x.shape[0], 64]) as Tensor2D;
      const h = tf.mul(gelu(tf, dense(pooled, v('fc1.weight') as Tensor2D, v('fc1.bias') as Tensor1D)), v('norm.weight')) as Tensor2D;
      return dense(h, v('fc2.weight') as Tensor2D, v('fc2.bias') as Tensor1D);
    });
  }

  dispose(): void {
    for (const v of this.variables.values()) v.dispose();
  }
}
