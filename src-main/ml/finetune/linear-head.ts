/**
 * The classifier on top of a backbone: one linear layer (reference `eval_linear.py`
 * `LinearClassifier`: weights ~ N(0, 0.01²), bias 0), named `head.weight` [out, in] and
 * `head.bias` as a PyTorch `nn.Linear`. Its outputs are logits: a sigmoid per label for a
 * multi-label task, a softmax over classes for a single-label one.
 */
import type * as tfc from '@tensorflow/tfjs';
import type { Tf } from '../engine/index.js';
import { linear } from '../models/linear.js';
import { createRng } from '../../random/rng.js';

export class LinearHead {
  readonly variables: ReadonlyMap<string, tfc.Variable>;
  readonly weight: tfc.Variable;
  readonly bias: tfc.Variable;

  constructor(
    private readonly tf: Tf,
    readonly inDim: number,
    readonly outDim: number,
    seed: number,
  ) {
    const rng = createRng(seed).fork('linear-head');
    const w = Float32Array.from({ length: inDim * outDim }, () => rng.normal(0, 0.01));
    this.weight = tf.variable(tf.tensor2d(w, [outDim, inDim]), true, `head${instances}/weight`);
    this.bias = tf.variable(tf.zeros([outDim]), true, `head${instances++}/bias`);
    this.variables = new Map([
      ['head.weight', this.weight],
      ['head.bias', this.bias],
    ]);
  }

  /** Features [B, in] → logits [B, out]. */
  apply(features: tfc.Tensor2D): tfc.Tensor2D {
    return linear(this.tf, features, this.weight as unknown as tfc.Tensor2D, this.bias as unknown as tfc.Tensor1D, 'fast');
  }

  dispose(): void {
    this.weight.dispose();
    this.bias.dispose();
  }
}

let instances = 0;
