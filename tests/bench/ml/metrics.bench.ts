/**
 * Evaluation time with the default 1000 patient resamples: 10 000 images of 2 000 patients,
 * 10 biomarkers (10 % unknown) for the multi-label task, 4 classes for the single-label one.
 * The brief: well under a few seconds (each resample is one O(n) pass per label over orders
 * sorted once).
 *
 *   npx tsx tests/bench/ml/metrics.bench.ts [images] [labels] [resamples]
 */
import { chooseThresholds, evaluateMultiLabel, evaluateSingleLabel } from '../../../src-main/ml/metrics/index.js';
import { createRng } from '../../../src-main/random/rng.js';

const n = Number(process.argv[2] ?? 10_000);
const L = Number(process.argv[3] ?? 10);
const resamples = Number(process.argv[4] ?? 1000);
const C = 4;
const rng = createRng(1);
const patients = Array.from({ length: n }, (_, i) => Math.floor(i / 5));

const truth = new Int8Array(n * L);
const scores = new Float32Array(n * L);
for (let k = 0; k < n * L; k++) {
  const t = rng.chance(0.2) ? 1 : 0;
  truth[k] = rng.chance(0.1) ? -1 : t;
  scores[k] = 1 / (1 + Math.exp(-(2 * (t - 0.5) + rng.normal())));
}
const classTruth = Int32Array.from({ length: n }, () => rng.int(0, C - 1));
const probabilities = new Float32Array(n * C);
for (let i = 0; i < n; i++) {
  const logits = Array.from({ length: C }, (_, c) => rng.normal() + (c === classTruth[i] ? 1 : 0));
  const z = logits.reduce((a, b) => a + Math.exp(b), 0);
  logits.forEach((v, c) => (probabilities[i * C + c] = Math.exp(v) / z));
}

function time<T>(name: string, f: () => T): T {
  const t0 = performance.now();
  const out = f();
  console.log(`${name}: ${(performance.now() - t0).toFixed(0)} ms`);
  return out;
}

const thresholds = time(`chooseThresholds ${n}×${L}`, () => chooseThresholds(scores, truth, L));
for (let run = 0; run < 2; run++) {
  const m = time(`evaluateMultiLabel ${n} images × ${L} labels, ${resamples} resamples (run ${run + 1})`, () =>
    evaluateMultiLabel({ scores, truth, patients, labels: Array.from({ length: L }, (_, l) => `label${l}`), thresholds }, { resamples }),
  );
  if (run === 0) console.log(`  macro AUROC ${m.macroAuroc?.toFixed(4)} CI ${JSON.stringify(m.ci.macroAuroc)}`);
}
for (let run = 0; run < 2; run++) {
  const s = time(`evaluateSingleLabel ${n} images × ${C} classes, ${resamples} resamples (run ${run + 1})`, () =>
    evaluateSingleLabel({ probabilities, truth: classTruth, patients, classes: ['a', 'b', 'c', 'd'] }, { resamples }),
  );
  if (run === 0) console.log(`  accuracy ${s.accuracy.toFixed(4)} CI ${JSON.stringify(s.ci.accuracy)}`);
}
