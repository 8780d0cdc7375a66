/**
 * TypiClust (TPC-RP) of Hacohen, Dekel & Weinshall (ICML 2022, "Active Learning on a Budget:
 * Opposite Strategies Suit High and Low Budgets"), for the cold start: label the most
 * *typical* image of each of the largest regions the labelled set does not yet cover.
 *
 *  1. Cluster all rows into min(|L| + b, maxClusters) clusters with k-means (kmeans.ts:
 *     k-means++ and capped Lloyd on a sample, then every row assigned).
 *  2. b times: take the cluster with the fewest labelled-or-picked rows, the largest among
 *     those. Clusters of at most `minClusterSize` rows come last (outliers), as in the
 *     authors' code. So uncovered clusters are filled largest first.
 *  3. In it, pick the row of highest typicality = 1 / (mean L2 distance to its K nearest
 *     neighbours in the cluster + 1e-5), K = min(`neighbours`, cluster rows − 1).
 *
 * Differences from the reference implementation, each for a reason:
 *  - distances are plain L2 between L2-normalised rows (the authors' faiss search returns
 *    *squared* L2, the paper says L2), and K = min(20, m − 1) rather than min(20, m / 2);
 *  - a cluster larger than `maxTypicalityRows` (default 500) is represented by a seeded uniform
 *    sample of that many rows, both as candidates and as neighbours. The exact all-pairs k-NN
 *    costs m²·d: about 6 s for a cluster of 5,000 rows in JavaScript on one core. Nearest neighbours within a
 *    sample are a smoother density estimate (K = 20 of 500 sampled ≈ the 200 nearest of 5,000);
 *    the densest region is what matters, and it is found the same way;
 *  - the gate (one per patient, train only) restricts candidates, never neighbours: typicality
 *    is a property of the data, whoever may be picked.
 */
import { createRng, type Rng } from '../../random/rng.js';
import { checkBudget, checkIndices, normalizedFeatures } from './features.js';
import { BasicGate, type PickGate } from './gate.js';
import { kMeans, type KMeansOptions } from './kmeans.js';
import { typicalities } from './typicality.js';

export interface TypiClustOptions {
  budget: number;
  labelled?: readonly number[];
  gate?: PickGate;
  /** Seeds k-means and the typicality samples. */
  seed?: number;
  /** Upper bound on the number of clusters; the authors use 500. */
  maxClusters?: number;
  /** k-means cost controls (see kmeans.ts). */
  kmeans?: Pick<KMeansOptions, 'sampleSize' | 'maxIterations'>;
  /** K of the typicality k-NN. Default 20, as in the paper. */
  neighbours?: number;
  /** Clusters of at most this many rows are picked from last. Default 5, as in the authors' code. */
  minClusterSize?: number;
  /** Larger clusters are sampled down to this many rows for typicality. Default 500. */
  maxTypicalityRows?: number;
}

export interface TypiClustPick {
  index: number;
  /** 1 / (mean L2 distance to the K nearest neighbours + 1e-5). */
  typicality: number;
  cluster: number;
  clusterSize: number;
  /** Labelled or picked rows the cluster held before this pick (0: an uncovered cluster). */
  covered: number;
  reason: string;
}

export function typiClust(features: Float32Array, d: number, options: TypiClustOptions): TypiClustPick[] {
  const { data: x, n } = normalizedFeatures(features, d);
  const labelled = options.labelled ?? [];
  checkBudget(options.budget);
  checkIndices(labelled, n, 'labelled');
  if (n === 0 || options.budget === 0) return [];
  const seed = options.seed ?? 0;
  const k = Math.max(1, Math.min(labelled.length + options.budget, options.maxClusters ?? 500, n));
  const clustering = kMeans(x, n, d, { k, seed, ...options.kmeans });
  const members = membersOf(clustering.assignment, clustering.sizes, clustering.k);
  const covered = new Int32Array(clustering.k);
  for (const i of labelled) covered[clustering.assignment[i]!]!++;

  const gate = new BasicGate(n, labelled, options.gate);
  const minSize = options.minClusterSize ?? 5;
  const maxRows = options.maxTypicalityRows ?? 500;
  const K = options.neighbours ?? 20;
  const rng = createRng(seed).fork('typiclust');
  // Clusters whose every row the gate has closed; they stay closed (gates only ever close).
  const exhausted = new Uint8Array(clustering.k);
  const picks: TypiClustPick[] = [];

  while (picks.length < options.budget) {
    const c = nextCluster(clustering.sizes, covered, exhausted, minSize);
    if (c < 0) break;
    const rows = members[c]!;
    const open = rows.filter((i) => gate.allows(i));
    if (open.length === 0) {
      exhausted[c] = 1;
      continue;
    }
    const r = rng.fork(`${c}/${covered[c]}`);
    const neighbours = rows.length > maxRows ? sampleOf(rows, maxRows, r) : rows;
    const inSample = new Set(neighbours);
    let candidates = open.filter((i) => inSample.has(i));
    if (candidates.length === 0) candidates = open; // the gate closed every sampled row
    if (candidates.length > maxRows) candidates = sampleOf(candidates, maxRows, r);
    const scores = typicalities(x, d, candidates, neighbours, K);
    let best = 0;
    for (let t = 1; t < candidates.length; t++) if (scores[t]! > scores[best]!) best = t;
    const index = candidates[best]!;
    const size = rows.length;
    const typicality = scores[best]!;
    const reason =
      covered[c] === 0
        ? `most typical image of an unlabelled cluster of ${size} images; typicality ${typicality.toFixed(2)}`
        : `most typical image of a cluster of ${size} images that already has ${covered[c]} labelled or chosen (every cluster is covered); typicality ${typicality.toFixed(2)}`;
    picks.push({ index, typicality, cluster: c, clusterSize: size, covered: covered[c]!, reason });
    gate.picked(index);
    covered[c]!++;
  }
  return picks;
}

/** Fewest covered rows first, then not an outlier cluster, then the largest, then the lowest id; -1 when none is left. */
function nextCluster(sizes: Int32Array, covered: Int32Array, exhausted: Uint8Array, minSize: number): number {
  let best = -1;
  const key = (c: number): [number, number, number] => [sizes[c]! <= minSize ? 1 : 0, covered[c]!, -sizes[c]!];
  for (let c = 0; c < sizes.length; c++) {
    if (exhausted[c] || sizes[c] === 0) continue;
    if (best < 0) {
      best = c;
      continue;
    }
    const [a0, a1, a2] = key(c);
    const [b0, b1, b2] = key(best);
    if (a0 < b0 || (a0 === b0 && (a1 < b1 || (a1 === b1 && a2 < b2)))) best = c;
  }
  return best;
}

function membersOf(assignment: Int32Array, sizes: Int32Array, k: number): number[][] {
  const out = Array.from({ length: k }, (_, c) => new Array<number>(sizes[c]!));
  const fill = new Int32Array(k);
  for (let i = 0; i < assignment.length; i++) {
    const c = assignment[i]!;
    out[c]![fill[c]!++] = i;
  }
  return out;
}

/** `size` distinct elements drawn uniformly, in their original order. */
function sampleOf(rows: readonly number[], size: number, rng: Rng): number[] {
  const perm = rows.map((_, t) => t);
  for (let t = 0; t < size; t++) {
    const j = rng.int(t, perm.length - 1);
    [perm[t], perm[j]] = [perm[j]!, perm[t]!];
  }
  return perm
    .slice(0, size)
    .sort((a, b) => a - b)
    .map((t) => rows[t]!);
}
