/**
 * The two evaluations of a test set, with per-patient bootstrap intervals, and the
 * validation-side threshold choice that the multi-label one needs first:
 *
 *   const thresholds = chooseThresholds(valScores, valTruth, labels.length);
 *   const metrics = evaluateMultiLabel({ scores, truth, patients, labels, thresholds });
 *
 * Each lives in its own module; this one is the entry point callers import.
 */
export { evaluateMultiLabel, type MultiLabelInput } from './multi-label.js';
export { evaluateSingleLabel, type SingleLabelInput } from './single-label.js';
export { chooseThresholds } from './threshold.js';
