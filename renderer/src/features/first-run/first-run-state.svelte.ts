/**
 * The first-run guide's memory: shown until the user dismisses it, then never again in this
 * browser profile (localStorage). A storage that throws (disabled, private mode) only means the
 * guide comes back next time.
 */
export const FIRST_RUN_KEY = 'octdino.firstRunGuide.dismissed';

export interface FirstRunStep {
  route: 'dataset' | 'annotate' | 'train' | 'reports';
  title: string;
  todo: string;
}

/** import → label → pipeline → report: the path from scans to a shareable result. */
export const FIRST_RUN_STEPS: readonly FirstRunStep[] = Object.freeze([
  { route: 'dataset', title: 'Import images', todo: 'Dataset → Import…: an OLIVES release, a folder of B-scans or DICOM (the demo project already has synthetic scans).' },
  { route: 'annotate', title: 'Label images', todo: 'Annotate: make or pick a label set and label a few dozen B-scans; the keyboard does most of it.' },
  { route: 'train', title: 'Run a pipeline', todo: 'Train: choose the label set and the "quick" preset and press Run pipeline (DINO pretraining, then four arms).' },
  { route: 'reports', title: 'Write the report', todo: 'Reports: the report (HTML or PDF), predictions and metrics CSV, the models and a project archive.' },
]);

export class FirstRunState {
  #dismissed = $state(false);

  constructor(private readonly storage: Pick<Storage, 'getItem' | 'setItem'> | null) {
    try {
      this.#dismissed = storage?.getItem(FIRST_RUN_KEY) === '1';
    } catch {
      this.#dismissed = false;
    }
  }

  get visible(): boolean {
    return !this.#dismissed;
  }

  dismiss(): void {
    this.#dismissed = true;
    try {
      this.storage?.setItem(FIRST_RUN_KEY, '1');
    } catch {
      // Not remembered: the guide shows again next time, which is harmless.
    }
  }
}
