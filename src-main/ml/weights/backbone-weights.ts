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

export const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((s, i) => s === b[i]);

/** A first-layer kernel [O, C, kh, kw] that folds into the model's [O, 1, kh, kw]. */
export function foldsToOneChannel(file: readonly number[], model: readonly number[]): boolean {
  return file.length === 4 && model[1] === 1 && file[0] === model[0] && file[2] === model[2] && file[3] === model[3];
}

/** The first prefix under which every marker tensor exists, or undefined. */
export function findPrefix(keys: ReadonlySet<string>, prefixes: readonly string[], markers: readonly string[]): string | undefined {
  return prefixes.find((p) => markers.every((m) => keys.has(`${p}${m}`)));
}

/** One sentence per kind of problem, for the all-or-nothing error. */
export function describeProblems(missing: readonly string[], unexpected: readonly string[], mismatched: readonly string[]): string | null {
  const parts = [
    missing.length > 0 ? `missing: ${missing.join(', ')}` : '',
    unexpected.length > 0 ? `unexpected: ${unexpected.join(', ')}` : '',
    mismatched.length > 0 ? `shape mismatch: ${mismatched.join('; ')}` : '',
  ].filter((s) => s !== '');
  return parts.length > 0 ? parts.join('. ') : null;
}
