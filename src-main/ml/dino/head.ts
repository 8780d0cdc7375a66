/**
 * DINO projection head (reference `vision_transformer.py` `DINOHead`): an MLP (Linear-GELU ×
 * (nlayers-1), then Linear to a bottleneck), L2 normalisation, and a weight-normalised linear
 * layer without bias to K outputs whose per-output gain g is frozen at 1 (`norm_last_layer`),
 * so each output is a cosine similarity to a learned prototype.
 *
 * Variables carry the reference's parameter names (`mlp.0.weight`, `mlp.2.bias`, …,
 * `last_layer.weight_g`, `last_layer.weight_v`) so that parameter groups, last-layer freezing and
 * checkpoint conversion work by name. Weights are stored [in, out] (see `linear.ts`); weight_g is
 * [1, K] and weight_v [bottleneck, K], the transposes of PyTorch's [K, 1] and [K, bottleneck].
 * No batch norm (the reference's `use_bn` defaults to false and the paper's ViT heads have none).
 */
import type { Tensor, Tensor1D, Tensor2D, Variable } from '@tensorflow/tfjs';
import type { Tf } from '../engine/index.js';
import { createRng } from '../../random/rng.js';
import { denseCustomGrad } from './linear.js';

export interface DinoHeadOptions {
  inDim: number;
  /** K. */
  outDim: number;
  /** Default 3, as the reference. */
  nLayers?: number;
  /** Default 2048. */
  hiddenDim?: number;
  /** Default 256. */
  bottleneckDim?: number;
  /** Default true: weight_g is fixed at 1 (not trainable). */
  normLastLayer?: boolean;
  /** Seed of the initial weights. */
  seed?: number;
  /** False for a teacher: no variable of this head is trainable. Default true. */
  trainable?: boolean;
}

/** Exact (erf) GELU, as PyTorch's nn.GELU default; on wasm it was also faster than the tanh form. */
export function gelu(tf: Tf, x: Tensor): Tensor {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))));
}

/** `F.normalize(x, dim=-1)`: x / max(‖x‖₂, 1e-12) per row. */
export function l2Normalize(tf: Tf, x: Tensor2D): Tensor2D {
  return tf.tidy(() => tf.div(x, tf.maximum(tf.norm(x, 'euclidean', 1, true), 1e-12)));
}

export class DinoHead {
  readonly inDim: number;
  readonly outDim: number;
  readonly variables: ReadonlyMap<string, Variable>;
  readonly #tf: Tf;
  readonly #linears: { weight: string; bias: string }[] = [];

  constructor(tf: Tf, opts: DinoHeadOptions) {
    this.#tf = tf;
    const nLayers = Math.max(opts.nLayers ?? 3, 1);
    const hidden = opts.hiddenDim ?? 2048;
    const bottleneck = opts.bottleneckDim ?? 256;
    const trainable = opts.trainable ?? true;
    const rng = createRng(opts.seed ?? 0);
    this.inDim = opts.inDim;
    this.outDim = opts.outDim;
    const vars = new Map<string, Variable>();
    // mlp.{0,2,4,...}: the odd indices are the GELUs of the reference's nn.Sequential.
    const dims = nLayers === 1 ? [opts.inDim, bottleneck] : [opts.inDim, ...Array<number>(nLayers - 1).fill(hidden), bottleneck];
    for (let i = 0; i + 1 < dims.length; i++) {
      const key = nLayers === 1 ? 'mlp' : `mlp.${2 * i}`;
      const [din, dout] = [dims[i]!, dims[i + 1]!];
      // trunc_normal_(std=.02) truncates at ±2 in absolute value (utils.trunc_normal_), i.e. at
      // 100 standard deviations: a plain normal is the same distribution to float precision.
      // tf.truncatedNormal would cut at 2 std instead and shrink the spread by ~12%.
      vars.set(`${key}.weight`, tf.variable(tf.randomNormal([din, dout], 0, 0.02, 'float32', rng.int(0, 2 ** 31)), trainable));
      vars.set(`${key}.bias`, tf.variable(tf.zeros([dout]), trainable));
      this.#linears.push({ weight: `${key}.weight`, bias: `${key}.bias` });
    }
    // The last layer is created after `self.apply(self._init_weights)` in the reference, so it
    // keeps nn.Linear's default init: kaiming_uniform(a=√5) = U(-1/√in, 1/√in).
    const bound = 1 / Math.sqrt(bottleneck);
    vars.set('last_layer.weight_g', tf.variable(tf.ones([1, opts.outDim]), trainable && !(opts.normLastLayer ?? true)));
    vars.set(
      'last_layer.weight_v',
      tf.variable(tf.randomUniform([bottleneck, opts.outDim], -bound, bound, 'float32', rng.int(0, 2 ** 31)), trainable),
    );
    this.variables = vars;
  }

  /** Effective last-layer weight g · v / ‖v‖, the norm taken per output unit (column). */
  lastLayerWeight(): Tensor2D {
    const tf = this.#tf;
    return tf.tidy(() => {
      const v = this.#var('last_layer.weight_v');
      const g = this.#var('last_layer.weight_g');
      return tf.mul(g, tf.div(v, tf.norm(v, 'euclidean', 0, true))) as Tensor2D;
    });
  }

  /** x: [N, inDim] backbone features → [N, K] logits. */
  apply(x: Tensor2D): Tensor2D {
    const tf = this.#tf;
    const dense = denseCustomGrad(tf);
    return tf.tidy(() => {
      let h: Tensor2D = x;
      this.#linears.forEach((layer, i) => {
        h = dense(h, this.#var(layer.weight), this.#var(layer.bias) as Tensor as Tensor1D);
        if (i + 1 < this.#linears.length) h = gelu(tf, h) as Tensor2D;
      });
      return dense(l2Normalize(tf, h), this.lastLayerWeight());
    });
  }

  dispose(): void {
    for (const v of this.variables.values()) v.dispose();
  }

  #var(name: string): Tensor2D {
    const v = this.variables.get(name);
    if (!v) throw new Error(`DinoHead has no variable ${name}`);
    return v as Tensor as Tensor2D;
  }
}
