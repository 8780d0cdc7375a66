/**
 * "What to label next": one front for every strategy. The caller passes the candidate images
 * (row i of the features or probabilities is candidates[i]), which rows are labelled, a budget
 * and the constraints; it gets back a ranked queue in which every image says why it is there.
 *
 * Strategies and their score:
 *  - 'random': seeded baseline; score null;
 *  - 'typiclust': cold start, TPC-RP on DINO features; score = typicality;
 *  - 'k-center': cold start, coreset greedy on DINO features; score = distance to the nearest
 *    labelled or earlier image (null for a random first pick);
 *  - 'entropy' / 'margin': once a classifier exists; score = entropy in bits (higher = more
 *    uncertain) / margin (lower = more uncertain).
 */
import { AnnotateInputError } from '../errors.js';
import { ConstraintGate, type ConstraintOptions, type SelectionCandidate } from './constraints.js';
import { kCenterGreedy, type KCenterOptions } from './k-center.js';
import { randomPicks } from './random.js';
import { typiClust, type TypiClustOptions } from './typiclust.js';
import { mostUncertain, type ClassifierTask } from './uncertainty.js';

export type SelectionStrategy = 'random' | 'typiclust' | 'k-center' | 'entropy' | 'margin';

export interface SelectNextInput extends ConstraintOptions {
  strategy: SelectionStrategy;
  candidates: readonly SelectionCandidate[];
  /** Candidate indices already labelled. */
  labelled: readonly number[];
  budget: number;
  seed: number;
  /** typiclust, k-center: candidates.length × dim DINO features. */
  features?: Float32Array;
  dim?: number;
  /** entropy, margin: candidates.length × labels classifier probabilities. */
  probabilities?: ArrayLike<number>;
  labels?: number;
  task?: ClassifierTask;
  labelNames?: readonly string[];
  thresholds?: readonly number[];
  /** Fine controls of the clustering strategies. */
  typiclust?: Omit<TypiClustOptions, 'budget' | 'labelled' | 'gate' | 'seed'>;
  kCenter?: Pick<KCenterOptions, 'firstPick'>;
}

export interface Suggestion {
  imageId: number;
  /** 1 = label first. */
  rank: number;
  strategy: SelectionStrategy;
  /** Why this image, in words for the queue. */
  reason: string;
  score: number | null;
}

export function selectNext(input: SelectNextInput): Suggestion[] {
  const n = input.candidates.length;
  const gate = new ConstraintGate(input.candidates, input);
  const common = { budget: input.budget, labelled: input.labelled, gate };
  let picks: { index: number; score: number | null; reason: string }[];
  switch (input.strategy) {
    case 'random':
      picks = randomPicks(n, { ...common, seed: input.seed }).map((p) => ({ ...p, score: null }));
      break;
    case 'typiclust':
    case 'k-center': {
      const { features, dim } = input;
      if (!features || !dim) throw new AnnotateInputError(`${input.strategy} needs the DINO features of the candidates: compute them first`);
      if (features.length !== n * dim) {
        throw new AnnotateInputError(`${features.length} feature values for ${n} candidates of dimension ${dim}`);
      }
      picks =
        input.strategy === 'typiclust'
          ? typiClust(features, dim, { ...input.typiclust, ...common, seed: input.seed }).map((p) => ({ ...p, score: p.typicality }))
          : kCenterGreedy(features, dim, { ...input.kCenter, ...common, seed: input.seed }).map((p) => ({ ...p, score: p.distance }));
      break;
    }
    case 'entropy':
    case 'margin': {
      const { probabilities, labels, task } = input;
      if (!probabilities || !labels || !task) {
        throw new AnnotateInputError(`${input.strategy} needs a fine-tuned classifier's probabilities (and the task and label count)`);
      }
      if (probabilities.length !== n * labels) {
        throw new AnnotateInputError(`${probabilities.length} probabilities for ${n} candidates and ${labels} labels`);
      }
      picks = mostUncertain(probabilities, {
        ...common,
        task,
        labels,
        measure: input.strategy,
        ...(input.labelNames ? { labelNames: input.labelNames } : {}),
        ...(input.thresholds ? { thresholds: input.thresholds } : {}),
      });
      break;
    }
    default:
      throw new AnnotateInputError(`unknown selection strategy ${String(input.strategy)}`);
  }
  return picks.map((p, r) => ({ imageId: input.candidates[p.index]!.imageId, rank: r + 1, strategy: input.strategy, reason: p.reason, score: p.score }));
}
