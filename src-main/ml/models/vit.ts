/**
 * The Vision Transformer backbone of DINO (the reference `VisionTransformer`): patch
 * embedding, a [CLS] token, learned position embeddings (resampled bicubically for other
 * input sizes, as `interpolate_pos_encoding`), pre-norm blocks of attention + MLP with
 * stochastic depth, and a final LayerNorm; its output is the normalised [CLS] token.
 *
 * Parameters have the reference's names and shapes (`blocks.3.attn.qkv.weight` is [3D, D]),
 * so weights files and optimiser state line up with PyTorch one to one.
 */
import type { Tf } from '../engine/index.js';
import type * as tfc from '@tensorflow/tfjs';
import { createRng, type Rng } from '../../random/rng.js';
import { attention } from './attention.js';
import type { Backbone, BackboneApplyOptions } from './backbone.js';
import { dropPath, dropPathRates } from './drop-path.js';
import { gelu } from './gelu.js';
import { layerNorm } from './layer-norm.js';
import { linear } from './linear.js';
import { patchEmbed } from './patch-embed.js';
import { referencePosEmbedMatrix, resamplePositions } from './pos-embed.js';
import type { ViTConfig } from './vit-config.js';
import { initialValues, vitParamSpecs } from './vit-init.js';

export interface ViTFeatures {
  /** Normalised [CLS] token [B, D]: what `apply` returns. */
  cls: tfc.Tensor2D;
  /** Every token after the final norm [B, 1 + gh·gw, D] ([CLS] first). */
  tokens: tfc.Tensor3D;
  /** Last block's self-attention [B, heads, T, T], T = 1 + gh·gw: DINO's attention maps. */
  attention: tfc.Tensor4D;
  /** Every block's self-attention, first to last (only when asked for: attention rollout). */
  layers?: tfc.Tensor4D[];
}

export class ViTInputError extends Error {
  override readonly name = 'ViTInputError';
}

let instances = 0;

export class ViT implements Backbone {
  readonly name: string;
  readonly outDim: number;
  readonly variables: ReadonlyMap<string, tfc.Variable>;
  private readonly vars = new Map<string, tfc.Variable>();
  private readonly dropRates: readonly number[];
  /** Resampling matrices (and their transposes) per patch grid, built on first use. */
  private readonly posMatrices = new Map<string, [tfc.Tensor2D, tfc.Tensor2D]>();
  private dropPathCalls = 0;
  private disposed = false;

  constructor(
    private readonly tf: Tf,
    readonly config: ViTConfig,
  ) {
    this.name = `${config.arch}/${config.patchSize}`;
    this.outDim = config.embedDim;
    this.dropRates = dropPathRates(config.dropPathRate, config.depth);
    const id = instances++;
    for (const spec of vitParamSpecs(config)) {
      const value = tf.tensor(initialValues(spec, config.seed), spec.shape, 'float32');
      this.vars.set(spec.name, tf.variable(value, true, `vit${id}/${spec.name}`));
      value.dispose();
    }
    this.variables = this.vars;
  }

  apply(x: tfc.Tensor4D, opts: BackboneApplyOptions): tfc.Tensor2D {
    const { tf } = this;
    return tf.tidy(() => {
      const { tokens, batch } = this.encode(x, opts, false);
      const dim = tokens.shape[2];
      // LayerNorm is per token, so normalising only [CLS] equals the reference's norm-then-select.
      const cls = tf.reshape(tf.slice(tokens, [0, 0, 0], [batch, 1, dim]), [batch, dim]) as tfc.Tensor2D;
      return this.norm(cls, 'norm');
    });
  }

  /** The normalised [CLS] token, all normalised tokens, and the last block's attention. */
  forwardWithAttention(x: tfc.Tensor4D, opts: BackboneApplyOptions = { training: false }, { allLayers = false }: { allLayers?: boolean } = {}): ViTFeatures {
    const { tf } = this;
    return tf.tidy(() => {
      const { tokens, batch, attn, layers } = this.encode(x, opts, allLayers ? 'all' : 'last');
      const [, numTokens, dim] = tokens.shape;
      const normed = this.norm(tf.reshape(tokens, [batch * numTokens, dim]) as tfc.Tensor2D, 'norm');
      const all = tf.reshape(normed, [batch, numTokens, dim]) as tfc.Tensor3D;
      const cls = tf.reshape(tf.slice(all, [0, 0, 0], [batch, 1, dim]), [batch, dim]) as tfc.Tensor2D;
      return { cls, tokens: all, attention: attn!, ...(allLayers ? { layers } : {}) };
    });
  }

  /**
   * Overwrites one parameter with values in its own (reference) layout, e.g. from a weights
   * file. Throws when the name is unknown or the size does not match.
   */
  assignParameter(name: string, values: Float32Array): void {
    const v = this.param<tfc.Variable>(name);
    if (values.length !== v.size) {
      throw new ViTInputError(`parameter '${name}' [${v.shape.join(', ')}] needs ${v.size} values, got ${values.length}`);
    }
    const t = this.tf.tensor(values, v.shape, 'float32');
    v.assign(t);
    t.dispose();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.vars.values()) v.dispose();
    for (const pair of this.posMatrices.values()) this.tf.dispose(pair);
    this.posMatrices.clear();
  }

  /** A parameter by its reference name (throws on a typo rather than computing with undefined). */
  private param<T extends tfc.Tensor>(name: string): T {
    const v = this.vars.get(name);
    if (v === undefined) throw new Error(`ViT has no parameter '${name}'`);
    return v as unknown as T;
  }

  private norm(x: tfc.Tensor2D, prefix: string): tfc.Tensor2D {
    return layerNorm(
      this.tf,
      x,
      this.param(`${prefix}.weight`),
      this.param(`${prefix}.bias`),
      this.config.layerNormEps,
      this.config.gradMode,
    );
  }

  private checkInput(x: tfc.Tensor4D): void {
    if (this.disposed) throw new ViTInputError('this ViT has been disposed');
    if (x.rank !== 4 || x.shape[3] !== this.config.inChans) {
      throw new ViTInputError(
        `ViT expects images [B, H, W, ${this.config.inChans}], got [${x.shape.join(', ')}]`,
      );
    }
  }

  /** Drop-path stream for one call, or null when nothing is dropped (evaluation, rate 0). */
  private dropPathRng(opts: BackboneApplyOptions): Rng | null {
    if (!opts.training || this.config.dropPathRate === 0) return null;
    if (opts.dropPathSeed !== undefined) return createRng(opts.dropPathSeed);
    return createRng(this.config.seed).fork(`drop-path:${this.dropPathCalls++}`);
  }

  /** Position embeddings [1, 1 + gh·gw, D] for a gh x gw patch grid. */
  private positions(gh: number, gw: number): tfc.Tensor3D {
    const { tf } = this;
    const posEmbed = this.param<tfc.Tensor3D>('pos_embed');
    const side = this.config.imgSize / this.config.patchSize;
    if (gh === side && gw === side) return posEmbed;
    const key = `${gh}x${gw}`;
    let pair = this.posMatrices.get(key);
    if (pair === undefined) {
      const { matrix, outRows, inRows } = referencePosEmbedMatrix(side, gh, gw);
      const m = tf.keep(tf.tensor2d(matrix, [outRows, inRows]));
      pair = [m, tf.keep(tf.transpose(m))];
      this.posMatrices.set(key, pair);
    }
    const dim = this.config.embedDim;
    const clsPos = tf.slice(posEmbed, [0, 0, 0], [1, 1, dim]);
    const grid = tf.reshape(tf.slice(posEmbed, [0, 1, 0], [1, side * side, dim]), [side * side, dim]) as tfc.Tensor2D;
    const resampled = resamplePositions(tf, grid, pair[0], pair[1]);
    return tf.concat([clsPos, tf.reshape(resampled, [1, gh * gw, dim])], 1);
  }

  /** Tokens after the last block (before the final norm), [B, T, D]. */
  private encode(
    x: tfc.Tensor4D,
    opts: BackboneApplyOptions,
    wantAttention: false | 'last' | 'all',
  ): { tokens: tfc.Tensor3D; batch: number; attn: tfc.Tensor4D | null; layers: tfc.Tensor4D[] } {
    this.checkInput(x);
    const { tf, config } = this;
    const mode = config.gradMode;
    const [batch, height, width] = x.shape;
    const p = config.patchSize;
    const patches = patchEmbed(tf, x, this.param('patch_embed.proj.weight'), this.param('patch_embed.proj.bias'), mode);
    const dim = config.embedDim;
    const cls = tf.tile(this.param<tfc.Tensor3D>('cls_token'), [batch, 1, 1]);
    const withCls = tf.concat([cls, patches], 1);
    const numTokens = withCls.shape[1];
    let h = tf.reshape(tf.add(withCls, this.positions(height / p, width / p)), [batch * numTokens, dim]) as tfc.Tensor2D;
    const rng = this.dropPathRng(opts);
    let attn: tfc.Tensor4D | null = null;
    const layers: tfc.Tensor4D[] = [];

    // A residual branch with its sample-wise stochastic depth.
    const residual = (base: tfc.Tensor2D, branch: tfc.Tensor2D, rate: number): tfc.Tensor2D => {
      if (rng === null || rate === 0) return tf.add(base, branch);
      const perSample = dropPath(tf, tf.reshape(branch, [batch, numTokens * dim]), rate, rng);
      return tf.add(base, tf.reshape(perSample, [batch * numTokens, dim]));
    };

    for (let i = 0; i < config.depth; i++) {
      const b = `blocks.${i}`;
      const rate = this.dropRates[i]!;
      const a = attention(tf, this.norm(h, `${b}.norm1`), batch, config.numHeads, {
        qkvWeight: this.param(`${b}.attn.qkv.weight`),
        qkvBias: this.param(`${b}.attn.qkv.bias`),
        projWeight: this.param(`${b}.attn.proj.weight`),
        projBias: this.param(`${b}.attn.proj.bias`),
      }, mode);
      if (wantAttention && i === config.depth - 1) attn = a.attn;
      if (wantAttention === 'all') layers.push(a.attn);
      h = residual(h, a.out, rate);
      const hidden = gelu(tf, linear(tf, this.norm(h, `${b}.norm2`), this.param(`${b}.mlp.fc1.weight`), this.param(`${b}.mlp.fc1.bias`), mode), mode);
      h = residual(h, linear(tf, hidden, this.param(`${b}.mlp.fc2.weight`), this.param(`${b}.mlp.fc2.bias`), mode), rate);
    }
    return { tokens: tf.reshape(h, [batch, numTokens, dim]) as tfc.Tensor3D, batch, attn, layers };
  }
}
