/**
 * Inputs the annotation algorithms cannot work from: mismatched lengths, a feature array
 * that is not n·d, a non-finite value, an index out of range, a rater who rated one image
 * twice. Thrown, never logged and skipped: a wrong queue or a wrong kappa is worse than none.
 */
export class AnnotateInputError extends Error {
  override readonly name = 'AnnotateInputError';
}
