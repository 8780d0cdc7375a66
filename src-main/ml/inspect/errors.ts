/** A request the Inspect tools cannot serve as asked (no such run, image or checkpoint; not a ViT). */
export class InspectInputError extends Error {
  override readonly name = 'InspectInputError';
}
