/** Inputs the metrics cannot be computed from: mismatched lengths, a non-finite score, a truth value other than 1, 0 or -1. */
export class MetricsInputError extends Error {
  override readonly name = 'MetricsInputError';
}
