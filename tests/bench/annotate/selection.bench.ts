/**
 * The "what to label next" queue on an OLIVES-sized project: 78,000 images with 384-d DINO
 * (ViT-S) features, a budget of 100. The brief: each strategy well under a minute from cached
 * features on these CPUs.
 *
 *   npx tsx tests/bench/annotate/selection.bench.ts [images] [dim] [budget] [labelled]
 *
 * Features are synthetic: 300 Gaussian "volumes" of slices around random directions (so
 * k-means has structure to find, as DINO features of one volume's slices do), plus noise.
 */
import { kCenterGreedy } from '../../../src-main/annotate/selection/k-center.js';
import { selectNext } from '../../../src-main/annotate/selection/select.js';
import { typiClust } from '../../../src-main/annotate/selection/typiclust.js';
import { createRng } from '../../../src-main/random/rng.js';

const n = Number(process.argv[2] ?? 78_000);
const d = Number(process.argv[3] ?? 384);
const budget = Number(process.argv[4] ?? 100);
const labelledCount = Number(process.argv[5] ?? 0);
const rng = createRng(1);
const groups = 300;
const centres = Float32Array.from({ length: groups * d }, () => rng.normal());
const features = new Float32Array(n * d);
for (let i = 0; i < n; i++) {
  const g = rng.int(0, groups - 1);
  for (let j = 0; j < d; j++) features[i * d + j] = centres[g * d + j]! + rng.normal(0, 0.8);
}
const labelled = Array.from({ length: labelledCount }, (_, k) => Math.floor((k * n) / Math.max(1, labelledCount)));
const candidates = Array.from({ length: n }, (_, i) => ({ imageId: i + 1, patientId: Math.floor(i / 800), subset: i % 10 < 7 ? ('train' as const) : ('val' as const) }));

/** Wall and CPU time: on a shared 2-core machine the CPU time is the steadier number. */
function time<T>(name: string, f: () => T): T {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const out = f();
  const cpu = process.cpuUsage(c0);
  const wall = (performance.now() - t0) / 1000;
  console.log(`${name.padEnd(52)} ${wall.toFixed(2).padStart(6)} s wall ${((cpu.user + cpu.system) / 1e6).toFixed(2).padStart(6)} s CPU`);
  return out;
}

console.log(`${n} images x ${d} dims, budget ${budget}, ${labelledCount} labelled`);
time('k-center greedy', () => kCenterGreedy(features, d, { budget, labelled }));
time('TypiClust (TPC-RP)', () => typiClust(features, d, { budget, labelled, seed: 1 }));
time('selectNext typiclust, train only + one per patient', () =>
  selectNext({ strategy: 'typiclust', features, dim: d, candidates, labelled, budget, seed: 1, trainOnly: true, onePerPatient: true }),
);
time('selectNext k-center, train only + one per patient', () =>
  selectNext({ strategy: 'k-center', features, dim: d, candidates, labelled, budget, seed: 1, trainOnly: true, onePerPatient: true }),
);
const probabilities = Float32Array.from({ length: n * 16 }, () => rng.next());
time('selectNext entropy (16 labels)', () =>
  selectNext({ strategy: 'entropy', probabilities, labels: 16, task: 'multi-label', candidates, labelled, budget, seed: 1 }),
);
time('selectNext random', () => selectNext({ strategy: 'random', candidates, labelled, budget, seed: 1, onePerPatient: true }));
