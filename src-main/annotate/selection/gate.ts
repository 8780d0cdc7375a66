/**
 * Which rows a strategy may still pick. Every strategy asks the gate before taking its best
 * row and tells it after; a gate that says no makes the strategy take its next best row
 * instead. This is how "at most one image per patient per round" and "train split only"
 * reach the algorithms without each of them knowing about patients or splits.
 */
export interface PickGate {
  /** May row i be picked now? */
  allows(i: number): boolean;
  /** Row i was picked (the gate may now close other rows, e.g. the same patient's). */
  picked(i: number): void;
}

/** The gate every strategy uses at least: labelled rows and rows already picked are closed. */
export class BasicGate implements PickGate {
  private readonly closed: Uint8Array;

  constructor(
    n: number,
    labelled: readonly number[],
    private readonly inner?: PickGate,
  ) {
    this.closed = new Uint8Array(n);
    for (const i of labelled) this.closed[i] = 1;
  }

  allows(i: number): boolean {
    return this.closed[i] === 0 && (this.inner?.allows(i) ?? true);
  }

  picked(i: number): void {
    this.closed[i] = 1;
    this.inner?.picked(i);
  }
}
