/**
 * The queue's two optional constraints, as a {@link PickGate}:
 *  - train only: the suggestions stay in the training split, so labelling never leaks into
 *    validation or test. An image with no split assignment (its patient unknown, or in no
 *    split) is allowed only when no candidate has one, i.e. when no split exists yet; once a
 *    split exists such an image cannot be placed in any subset, so labelling it helps nothing.
 *  - one per patient: at most one suggestion per patient in this round, so a round is not
 *    spent on 49 near-identical slices of one volume. Patients labelled in earlier rounds are
 *    not excluded (the strategies' own diversity handles that). An image with no patient is
 *    its own patient.
 */
import type { Subset } from '../../project/splits.js';
import type { PickGate } from './gate.js';

/** One row of the features / probabilities, in the same order. */
export interface SelectionCandidate {
  imageId: number;
  patientId: string | number | null;
  /** The image's patient's subset in the active split; null when it has none. */
  subset: Subset | null;
}

export interface ConstraintOptions {
  onePerPatient?: boolean;
  trainOnly?: boolean;
}

export class ConstraintGate implements PickGate {
  private readonly open: Uint8Array;
  private readonly patientsPicked = new Set<string | number>();

  constructor(
    private readonly candidates: readonly SelectionCandidate[],
    private readonly options: ConstraintOptions,
  ) {
    const splitExists = candidates.some((c) => c.subset !== null);
    this.open = Uint8Array.from(candidates, (c) => (!options.trainOnly || c.subset === 'train' || (!splitExists && c.subset === null) ? 1 : 0));
  }

  allows(i: number): boolean {
    if (this.open[i] !== 1) return false;
    const patient = this.candidates[i]!.patientId;
    return !(this.options.onePerPatient && patient !== null && this.patientsPicked.has(patient));
  }

  picked(i: number): void {
    const patient = this.candidates[i]!.patientId;
    if (patient !== null) this.patientsPicked.add(patient);
  }
}
