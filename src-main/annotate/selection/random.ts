/**
 * The random baseline: a seeded shuffle, walked in order. Every active-learning comparison
 * needs it (Munjal et al. 2022 find random hard to beat on some budgets), and the seed makes
 * a round reproducible.
 */
import { createRng, shuffled } from '../../random/rng.js';
import { AnnotateInputError } from '../errors.js';
import { checkBudget, checkIndices } from './features.js';
import { BasicGate, type PickGate } from './gate.js';

export interface RandomOptions {
  budget: number;
  seed: number;
  labelled?: readonly number[];
  gate?: PickGate;
}

export interface RandomPick {
  index: number;
  reason: string;
}

/** `budget` rows of n drawn uniformly without replacement among those the gate allows. */
export function randomPicks(n: number, options: RandomOptions): RandomPick[] {
  checkBudget(options.budget);
  if (!Number.isSafeInteger(options.seed)) throw new AnnotateInputError(`seed must be a safe integer, got ${options.seed}`);
  const labelled = options.labelled ?? [];
  checkIndices(labelled, n, 'labelled');
  const gate = new BasicGate(n, labelled, options.gate);
  const order = shuffled(
    Array.from({ length: n }, (_, i) => i),
    createRng(options.seed).fork('random-selection'),
  );
  const picks: RandomPick[] = [];
  for (const i of order) {
    if (picks.length >= options.budget) break;
    if (!gate.allows(i)) continue;
    gate.picked(i);
    picks.push({ index: i, reason: `random baseline (seed ${options.seed})` });
  }
  return picks;
}
