/**
 * What DINO needs from a backbone (ViT or ResNet): images in, one feature vector per image
 * out, and the trainable variables by their reference (PyTorch) names so that the optimiser,
 * the teacher's EMA update and the weights files all address parameters the same way.
 */
import type * as tfc from '@tensorflow/tfjs';

export interface BackboneApplyOptions {
  /** Training mode turns on stochastic depth (drop-path); evaluation is deterministic. */
  training: boolean;
  /** Seed of this call's drop-path decisions; without one the backbone's own stream advances. */
  dropPathSeed?: number;
  /**
   * Evaluation as the reference's `model.eval()`: BatchNorm uses (and leaves alone) its running
   * statistics even in a network configured to normalise with batch statistics (the DINO teacher).
   * Features for k-NN, probes and exports are computed this way, so an image's feature does not
   * depend on the other images of its batch.
   */
  evaluation?: boolean;
}

export interface Backbone {
  /** e.g. "vit_tiny/16". */
  readonly name: string;
  /** Feature size of `apply`'s output. */
  readonly outDim: number;
  /** Trainable parameters, keyed by the reference implementation's parameter names. */
  readonly variables: ReadonlyMap<string, tfc.Variable>;
  /** Images [B, H, W, C] (C = 1 for OCT) → features [B, outDim]. */
  apply(x: tfc.Tensor4D, opts: BackboneApplyOptions): tfc.Tensor2D;
  dispose(): void;
}
