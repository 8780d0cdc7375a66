/**
 * From logits to what evaluation and model selection need: probabilities (sigmoid per label,
 * or softmax over classes) and the validation score a run selects its best epoch by — the
 * macro AUROC over the labels that have both classes in validation (one-vs-rest per class for a
 * single-label task).
 */
import { auroc } from '../eval/knn.js';
import type { TaskKind } from './downstream-data.js';

export function toProbabilities(logits: Float32Array, numOutputs: number, task: TaskKind): Float32Array {
  const out = new Float32Array(logits.length);
  if (task === 'multi_label') {
    for (let i = 0; i < logits.length; i++) out[i] = 1 / (1 + Math.exp(-logits[i]!));
    return out;
  }
  for (let r = 0; r < logits.length / numOutputs; r++) {
    let max = -Infinity;
    for (let c = 0; c < numOutputs; c++) max = Math.max(max, logits[r * numOutputs + c]!);
    let sum = 0;
    for (let c = 0; c < numOutputs; c++) sum += out[r * numOutputs + c] = Math.exp(logits[r * numOutputs + c]! - max);
    for (let c = 0; c < numOutputs; c++) out[r * numOutputs + c]! /= sum;
  }
  return out;
}

/** Truth as one binary column per output: multi-label as is, single-label one-vs-rest. */
export function binaryColumns(truth: Int8Array | Int32Array, numOutputs: number, task: TaskKind): Int8Array {
  if (task === 'multi_label') return truth as Int8Array;
  const out = new Int8Array(truth.length * numOutputs);
  truth.forEach((cls, i) => {
    for (let c = 0; c < numOutputs; c++) out[i * numOutputs + c] = cls < 0 ? -1 : cls === c ? 1 : 0;
  });
  return out;
}

/** Macro AUROC over outputs with both classes among the known entries; null if none has. */
export function macroAuroc(probabilities: Float32Array, truth: Int8Array | Int32Array, numOutputs: number, task: TaskKind): number | null {
  const columns = binaryColumns(truth, numOutputs, task);
  const n = probabilities.length / numOutputs;
  const values: number[] = [];
  for (let l = 0; l < numOutputs; l++) {
    const scores: number[] = [];
    const labels: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = columns[i * numOutputs + l]!;
      if (t < 0) continue;
      scores.push(probabilities[i * numOutputs + l]!);
      labels.push(t);
    }
    const pos = labels.filter((v) => v === 1).length;
    if (pos === 0 || pos === labels.length) continue;
    values.push(auroc(scores, labels));
  }
  return values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : null;
}
