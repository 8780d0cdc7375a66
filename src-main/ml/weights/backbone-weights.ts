/**
 * What loading reference-named backbone weights has in common across architectures (ViT,
 * ResNet): the report of what was loaded, adapted and ignored, the all-or-nothing error that
 * lists every offender, and the exact 3-channel → 1-channel fold of the first layer's kernel.
 */
import type { SafetensorsTensor } from './safetensors.js';

export interface BackboneLoadReport {
  prefix: string;
  /** Tensors set, by reference name. */
  loaded: string[];
  /** One line per tensor that was converted, saying how. */
  adapted: string[];
  /** File tensors deliberately skipped (classifier, DINO head). */
  ignored: string[];
}

export class BackboneWeightsError extends Error {
  override readonly name: string = 'BackboneWeightsError';
  constructor(
    message: string,
    readonly missing: readonly string[] = [],
    readonly unexpected: readonly string[] = [],
    readonly mismatched: readonly string[] = [],
  ) {
    super(message);
  }
}

export const shapeText = (s: readonly number[]): string => `[${s.join(', ')}]`;

/**
 * Sums a first-layer kernel [O, C, kh, kw] over its input channels into [O, 1, kh, kw]: exact
 * for grey images, which an RGB model sees as the same value in every channel:
 * Σ_c w_c · g = (Σ_c w_c) · g.
 */
export function foldChannels(data: Float32Array, [o, c, kh, kw]: readonly number[]): Float32Array {
  const kk = (kh as number) * (kw as number);
  const out = new Float32Array((o as number) * kk);
  for (let i = 0; i < (o as number); i++)
    for (let ch = 0; ch < (c as number); ch++) for (let j = 0; j < kk; j++) out[i * kk + j]! += data[(i * (c as number) + ch) * kk + j]!;
  return out;
}

/** The float32 values of a tensor that must be floating point; `fail` builds the typed error. */
export function floatData(name: string, t: SafetensorsTensor, fail: (message: string) => Error): Float32Array {
  if (t.data instanceof Float32Array) return t.data;
  throw fail(`tensor '${name}' is ${t.dtype}; parameters must be floating point`);
}
