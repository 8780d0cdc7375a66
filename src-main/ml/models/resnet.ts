/**
 * The ResNet-18 backbone of DINO (torchvision's `resnet18` with `fc` replaced by identity, as
 * the reference does): a 7x7/2 convolution, BN, ReLU and a 3x3/2 max-pool, then four layers of
 * two BasicBlocks (3x3 conv–BN–ReLU–3x3 conv–BN plus the shortcut, a 1x1/2 conv + BN where the
 * shape changes), and a global average pool. Output: 512 features per image.
 *
 * Parameters and buffers have torchvision's names and PyTorch's layouts (`conv1.weight` is
 * [64, 1, 7, 7]), so weights files line up with PyTorch one to one. Images are NHWC with one
 * channel (OCT); convolution kernels are transposed to TensorFlow's [kh, kw, in, out] per call.
 * Training on wasm needs the convolution gradients of `engine/wasm-kernels.ts`.
 */
import type { Tf } from '../engine/index.js';
import type * as tfc from '@tensorflow/tfjs';
import type { Backbone, BackboneApplyOptions } from './backbone.js';
import { batchNorm2d } from './conv-batch-norm.js';
import { batchNormNames, resnetInitialValues, resnetTensorSpecs, type ResNetConfig } from './resnet-init.js';

export class ResNetInputError extends Error {
  override readonly name = 'ResNetInputError';
}

let instances = 0;

/** A PyTorch `Conv2d` without bias: weight [out, in, k, k], zero padding `pad` on every side. */
function conv2d(tf: Tf, x: tfc.Tensor4D, weight: tfc.Tensor4D, stride: number, pad: number): tfc.Tensor4D {
  const kernel = tf.transpose(weight, [2, 3, 1, 0]) as tfc.Tensor4D; // → [kh, kw, in, out]
  return tf.conv2d(x, kernel, stride, [[0, 0], [pad, pad], [pad, pad], [0, 0]]);
}

export class ResNet implements Backbone {
  readonly name: string;
  readonly outDim: number;
  /** Trainable parameters (conv and BN weights), torchvision names. */
  readonly variables: ReadonlyMap<string, tfc.Variable>;
  /** BN running statistics (`*.running_mean`, `*.running_var`): state, not trained. */
  readonly buffers: ReadonlyMap<string, tfc.Variable>;
  /** torchvision's `*.num_batches_tracked` per BN layer (by layer name, e.g. `layer1.0.bn1`). */
  readonly batchesTracked = new Map<string, number>();
  private readonly params = new Map<string, tfc.Variable>();
  private readonly stats = new Map<string, tfc.Variable>();
  private disposed = false;

  constructor(
    private readonly tf: Tf,
    readonly config: ResNetConfig,
  ) {
    const id = instances++;
    const w = config.widths;
    this.name = w.join(',') === '64,128,256,512' ? 'resnet18' : `resnet18[${w.join(',')}]`;
    this.outDim = w[3];
    for (const spec of resnetTensorSpecs(config)) {
      const value = tf.tensor(resnetInitialValues(spec, config.seed), spec.shape, 'float32');
      const v = tf.variable(value, spec.kind === 'param', `resnet${id}/${spec.name}`);
      value.dispose();
      (spec.kind === 'param' ? this.params : this.stats).set(spec.name, v);
    }
    for (const bn of batchNormNames(config)) this.batchesTracked.set(bn, 0);
    this.variables = this.params;
    this.buffers = this.stats;
  }

  /** Parameters and buffers together, in torchvision's `state_dict` order. */
  stateEntries(): Array<[string, tfc.Variable]> {
    return resnetTensorSpecs(this.config).map((s) => [s.name, (s.kind === 'param' ? this.params : this.stats).get(s.name)!]);
  }

  apply(x: tfc.Tensor4D, opts: BackboneApplyOptions): tfc.Tensor2D {
    return this.tf.tidy(() => this.tf.mean(this.features(x, opts), [1, 2]) as tfc.Tensor2D);
  }

  /** The last feature map [B, H/32, W/32, outDim] (before the global average pool). */
  features(x: tfc.Tensor4D, opts: BackboneApplyOptions): tfc.Tensor4D {
    this.checkInput(x);
    const { tf, config } = this;
    return tf.tidy(() => {
      const batchStats = !opts.evaluation && (opts.training || config.batchStats === 'always');
      let h = tf.relu(this.bn(conv2d(tf, x, this.param('conv1.weight'), 2, 3), 'bn1', batchStats));
      h = tf.maxPool(h, 3, 2, 1);
      let inplanes = config.widths[0];
      config.widths.forEach((planes, li) => {
        for (let bi = 0; bi < config.blocks[li]!; bi++) {
          const stride = li > 0 && bi === 0 ? 2 : 1;
          h = this.basicBlock(h, `layer${li + 1}.${bi}`, stride, stride !== 1 || inplanes !== planes, batchStats);
          inplanes = planes;
        }
      });
      return h;
    });
  }

  /**
   * Overwrites one parameter or buffer with values in its own (PyTorch) layout, e.g. from a
   * weights file. Throws when the name is unknown or the size does not match.
   */
  assignTensor(name: string, values: Float32Array): void {
    const v = this.params.get(name) ?? this.stats.get(name);
    if (v === undefined) throw new ResNetInputError(`ResNet has no parameter or buffer '${name}'`);
    if (values.length !== v.size) {
      throw new ResNetInputError(`'${name}' [${v.shape.join(', ')}] needs ${v.size} values, got ${values.length}`);
    }
    const t = this.tf.tensor(values, v.shape, 'float32');
    v.assign(t);
    t.dispose();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.params.values()) v.dispose();
    for (const v of this.stats.values()) v.dispose();
  }

  private basicBlock(x: tfc.Tensor4D, p: string, stride: number, downsample: boolean, batchStats: boolean): tfc.Tensor4D {
    const { tf } = this;
    const out = tf.relu(this.bn(conv2d(tf, x, this.param(`${p}.conv1.weight`), stride, 1), `${p}.bn1`, batchStats));
    const branch = this.bn(conv2d(tf, out, this.param(`${p}.conv2.weight`), 1, 1), `${p}.bn2`, batchStats);
    const identity = downsample
      ? this.bn(conv2d(tf, x, this.param(`${p}.downsample.0.weight`), stride, 0), `${p}.downsample.1`, batchStats)
      : x;
    return tf.relu(tf.add(branch, identity));
  }

  private bn(x: tfc.Tensor4D, name: string, batchStats: boolean): tfc.Tensor4D {
    if (batchStats) this.batchesTracked.set(name, (this.batchesTracked.get(name) ?? 0) + 1);
    return batchNorm2d(
      this.tf,
      x,
      {
        weight: this.param(`${name}.weight`),
        bias: this.param(`${name}.bias`),
        runningMean: this.stats.get(`${name}.running_mean`) as tfc.Variable<tfc.Rank.R1>,
        runningVar: this.stats.get(`${name}.running_var`) as tfc.Variable<tfc.Rank.R1>,
      },
      { batchStats, updateRunning: batchStats, momentum: this.config.bnMomentum, eps: this.config.bnEps },
    );
  }

  /** A parameter by its torchvision name (throws on a typo rather than computing with undefined). */
  private param<T extends tfc.Tensor>(name: string): T {
    const v = this.params.get(name);
    if (v === undefined) throw new Error(`ResNet has no parameter '${name}'`);
    return v as unknown as T;
  }

  private checkInput(x: tfc.Tensor4D): void {
    if (this.disposed) throw new ResNetInputError('this ResNet has been disposed');
    if (x.rank !== 4 || x.shape[3] !== this.config.inChans) {
      throw new ResNetInputError(`ResNet expects images [B, H, W, ${this.config.inChans}], got [${x.shape.join(', ')}]`);
    }
  }
}
