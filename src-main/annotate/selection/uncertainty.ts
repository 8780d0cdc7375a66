/**
 * Uncertainty sampling (Lewis & Gale 1994; Settles 2009, §3.1) once a fine-tuned classifier
 * exists: label the images the current model is least sure about.
 *
 * Input: the classifier's probabilities, n·L row-major.
 *  - multi-label (one sigmoid per biomarker): entropy = Σ_l H2(p_l), the sum of the binary
 *    entropies; margin = min_l |p_l − t_l|, the distance of the label nearest its decision
 *    threshold t_l (default 0.5; pass the tuned thresholds), i.e. how close the image is to
 *    flipping any one decision;
 *  - single-label (softmax): entropy = −Σ_c p_c log2 p_c; margin = p_top1 − p_top2.
 * Entropy is in bits (higher = more uncertain); margin is in probability (lower = more
 * uncertain). Ties go to the lower row.
 */
import { AnnotateInputError } from '../errors.js';
import { checkBudget, checkIndices } from './features.js';
import { BasicGate, type PickGate } from './gate.js';

export type ClassifierTask = 'multi-label' | 'single-label';
export type UncertaintyMeasure = 'entropy' | 'margin';

export interface UncertaintyOptions {
  budget: number;
  task: ClassifierTask;
  measure: UncertaintyMeasure;
  /** Columns L of the probabilities (labels or classes). */
  labels: number;
  /** Names for the reasons, e.g. ['IRF', 'SRF', …]; default 'label 0', 'label 1', … */
  labelNames?: readonly string[];
  /** Multi-label decision thresholds, one per label; default 0.5. */
  thresholds?: readonly number[];
  labelled?: readonly number[];
  gate?: PickGate;
}

export interface UncertaintyScores {
  /** Bits. */
  entropy: Float64Array;
  margin: Float64Array;
  /** Multi-label: the label nearest its threshold; single-label: the top class. */
  first: Int32Array;
  /** Single-label: the second class; multi-label: -1. */
  second: Int32Array;
}

export interface UncertaintyPick {
  index: number;
  entropy: number;
  margin: number;
  /** The ranking measure: entropy or margin. */
  score: number;
  reason: string;
}

const binaryEntropy = (p: number): number => (p <= 0 || p >= 1 ? 0 : -(p * Math.log2(p) + (1 - p) * Math.log2(1 - p)));

/** Entropy and margin of every row; throws on a probability outside [0, 1] or a softmax row not summing to 1. */
export function uncertaintyScores(
  probabilities: ArrayLike<number>,
  labels: number,
  task: ClassifierTask,
  thresholds?: readonly number[],
): UncertaintyScores {
  if (!Number.isInteger(labels) || labels < 1 || probabilities.length % labels !== 0) {
    throw new AnnotateInputError(`probabilities have ${probabilities.length} values, not a multiple of ${labels} labels`);
  }
  if (task === 'single-label' && labels < 2) throw new AnnotateInputError('a single-label task needs at least 2 classes');
  if (thresholds && thresholds.length !== labels) throw new AnnotateInputError(`${thresholds.length} thresholds for ${labels} labels`);
  const n = probabilities.length / labels;
  const entropy = new Float64Array(n);
  const margin = new Float64Array(n);
  const first = new Int32Array(n);
  const second = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    let h = 0;
    let sum = 0;
    let a = -1; // multi: nearest label; single: top class
    let b = -1; // single: second class
    let best = Infinity;
    for (let l = 0; l < labels; l++) {
      const p = probabilities[i * labels + l]!;
      if (!(p >= 0 && p <= 1)) throw new AnnotateInputError(`probability [${i}, ${l}] = ${p} is not in [0, 1]`);
      sum += p;
      if (task === 'multi-label') {
        h += binaryEntropy(p);
        const gap = Math.abs(p - (thresholds?.[l] ?? 0.5));
        if (gap < best) [best, a] = [gap, l];
      } else {
        if (p > 0) h -= p * Math.log2(p);
        const pa = a < 0 ? -1 : probabilities[i * labels + a]!;
        const pb = b < 0 ? -1 : probabilities[i * labels + b]!;
        if (p > pa) [a, b] = [l, a];
        else if (p > pb) b = l;
      }
    }
    if (task === 'single-label') {
      if (Math.abs(sum - 1) > 1e-3) throw new AnnotateInputError(`row ${i} of softmax probabilities sums to ${sum}, not 1`);
      best = probabilities[i * labels + a]! - probabilities[i * labels + b]!;
      second[i] = b;
    }
    entropy[i] = h;
    margin[i] = best;
    first[i] = a;
  }
  return { entropy, margin, first, second };
}

/** The `budget` most uncertain rows the gate allows, most uncertain first. */
export function mostUncertain(probabilities: ArrayLike<number>, options: UncertaintyOptions): UncertaintyPick[] {
  checkBudget(options.budget);
  const L = options.labels;
  const s = uncertaintyScores(probabilities, L, options.task, options.thresholds);
  const n = s.entropy.length;
  const labelled = options.labelled ?? [];
  checkIndices(labelled, n, 'labelled');
  const score = options.measure === 'entropy' ? s.entropy : s.margin;
  const sign = options.measure === 'entropy' ? -1 : 1;
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => sign * (score[i]! - score[j]!) || i - j);
  const gate = new BasicGate(n, labelled, options.gate);
  const name = (l: number): string => options.labelNames?.[l] ?? `label ${l}`;
  const p = (i: number, l: number): string => probabilities[i * L + l]!.toFixed(2);
  const picks: UncertaintyPick[] = [];
  for (const i of order) {
    if (picks.length >= options.budget) break;
    if (!gate.allows(i)) continue;
    gate.picked(i);
    const a = s.first[i]!;
    const b = s.second[i]!;
    const head =
      options.measure === 'entropy' ? `most uncertain: entropy ${s.entropy[i]!.toFixed(2)} bits` : `most uncertain: margin ${s.margin[i]!.toFixed(2)}`;
    const detail =
      options.task === 'multi-label'
        ? `closest label: ${name(a)} p = ${p(i, a)} (threshold ${(options.thresholds?.[a] ?? 0.5).toFixed(2)})`
        : `top two: ${name(a)} p = ${p(i, a)}, ${name(b)} p = ${p(i, b)}`;
    picks.push({ index: i, entropy: s.entropy[i]!, margin: s.margin[i]!, score: score[i]!, reason: `${head}; ${detail}` });
  }
  return picks;
}
