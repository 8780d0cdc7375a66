/**
 * Vision Transformer configuration: the reference presets (`vit_tiny`, `vit_small`, DINO's
 * `vision_transformer.py`) plus any custom size for tests. A frozen object; change it by
 * building a new one.
 */
import type { GradMode } from './linear.js';

export const VIT_PRESETS = {
  vit_tiny: { embedDim: 192, depth: 12, numHeads: 3 },
  vit_small: { embedDim: 384, depth: 12, numHeads: 6 },
} as const;
export type ViTPreset = keyof typeof VIT_PRESETS;

export interface ViTConfig {
  /** Preset name, or "custom" (tests, experiments). Written into exported weights. */
  readonly arch: ViTPreset | 'custom';
  /** Side of the square image the position embeddings are learned for. 224 as in the reference. */
  readonly imgSize: number;
  /** Patch side in pixels. 16 is ~4x cheaper than 8; 8 gives finer attention maps. */
  readonly patchSize: number;
  /** Input channels. 1 for OCT B-scans (3-channel weights are folded to 1 on load). */
  readonly inChans: number;
  /** Token width D. */
  readonly embedDim: number;
  /** Number of transformer blocks. */
  readonly depth: number;
  /** Attention heads; must divide embedDim. */
  readonly numHeads: number;
  /** MLP hidden width = mlpRatio · D. 4 in every reference model. */
  readonly mlpRatio: number;
  /** LayerNorm epsilon: 1e-6 in the reference presets. */
  readonly layerNormEps: number;
  /** Stochastic depth at the last block (linear from 0). DINO uses 0.1 for the student; 0 = off. */
  readonly dropPathRate: number;
  /** Seed of the initial weights and of the default drop-path stream. */
  readonly seed: number;
  /** "fast": hand-written gradients that keep wasm on XNNPACK; "autodiff": tfjs's (slow on wasm, a reference). */
  readonly gradMode: GradMode;
}

const DEFAULTS = {
  imgSize: 224,
  patchSize: 16,
  inChans: 1,
  mlpRatio: 4,
  layerNormEps: 1e-6,
  dropPathRate: 0,
  seed: 0,
  gradMode: 'fast',
} as const satisfies Partial<ViTConfig>;

export class ViTConfigError extends Error {
  override readonly name = 'ViTConfigError';
}

function validate(c: ViTConfig): ViTConfig {
  const positive = ['imgSize', 'patchSize', 'inChans', 'embedDim', 'depth', 'numHeads', 'mlpRatio'] as const;
  for (const key of positive) {
    if (!Number.isInteger(c[key]) || c[key] <= 0) throw new ViTConfigError(`ViT ${key} must be a positive integer, got ${c[key]}`);
  }
  if (c.embedDim % c.numHeads !== 0) {
    throw new ViTConfigError(`ViT embedDim ${c.embedDim} is not divisible by numHeads ${c.numHeads}`);
  }
  if (c.imgSize % c.patchSize !== 0) {
    throw new ViTConfigError(`ViT imgSize ${c.imgSize} is not a multiple of patchSize ${c.patchSize}`);
  }
  if (!(c.dropPathRate >= 0 && c.dropPathRate < 1)) {
    throw new ViTConfigError(`ViT dropPathRate must be in [0, 1), got ${c.dropPathRate}`);
  }
  if (!(c.layerNormEps > 0)) throw new ViTConfigError(`ViT layerNormEps must be > 0, got ${c.layerNormEps}`);
  return Object.freeze({ ...c });
}

/** A preset (`vit_tiny`, `vit_small`) with overrides, e.g. `{ patchSize: 8, dropPathRate: 0.1 }`. */
export function vitConfig(arch: ViTPreset, overrides: Partial<Omit<ViTConfig, 'arch'>> = {}): ViTConfig {
  return validate({ arch, ...DEFAULTS, ...VIT_PRESETS[arch], ...overrides });
}

/** Any size, e.g. a 2-block ViT of width 32 for tests. */
export function customViTConfig(
  size: Pick<ViTConfig, 'embedDim' | 'depth' | 'numHeads'> & Partial<Omit<ViTConfig, 'arch'>>,
): ViTConfig {
  return validate({ arch: 'custom', ...DEFAULTS, ...size });
}
