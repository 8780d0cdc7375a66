/**
 * Active selection ("what to label next"): random, TypiClust and k-center greedy on DINO
 * features for the cold start, entropy and margin of a classifier afterwards, behind one
 * front (`selectNext`) that applies the one-per-patient and train-only constraints.
 */
export { ConstraintGate, type ConstraintOptions, type SelectionCandidate } from './constraints.js';
export { normalizedFeatures, type Features } from './features.js';
export { BasicGate, type PickGate } from './gate.js';
export { kCenterGreedy, type KCenterOptions, type KCenterPick } from './k-center.js';
export { kMeans, type KMeansOptions, type KMeansResult } from './kmeans.js';
export { randomPicks, type RandomOptions, type RandomPick } from './random.js';
export { selectNext, type SelectionStrategy, type SelectNextInput, type Suggestion } from './select.js';
export { typicalities, TYPICALITY_EPSILON } from './typicality.js';
export { typiClust, type TypiClustOptions, type TypiClustPick } from './typiclust.js';
export {
  mostUncertain,
  uncertaintyScores,
  type ClassifierTask,
  type UncertaintyMeasure,
  type UncertaintyOptions,
  type UncertaintyPick,
  type UncertaintyScores,
} from './uncertainty.js';
