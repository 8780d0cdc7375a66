/**
 * The predictions browser: one evaluation (an arm's test set), one label, a sort order and a
 * page of rows. Every change asks the core for the page again; an answer for an older request
 * is dropped, so fast clicking never shows a stale page.
 */
import type { ApiClient } from '../api/api-client.js';
import type { PredictionPage, PredictionSort } from '../results/results-view.js';
import type { ErrorsState } from './errors.svelte.js';

export const PREDICTIONS_PAGE_SIZE = 25;

export class PredictionsState {
  #evaluationId = $state<number | null>(null);
  #labelId = $state<number | null>(null);
  #sort = $state<PredictionSort>('confidence_desc');
  #offset = $state(0);
  #page = $state.raw<PredictionPage | null>(null);
  #loading = $state(false);
  #request = 0;

  constructor(
    private readonly api: ApiClient,
    private readonly errors: ErrorsState,
  ) {}

  get evaluationId(): number | null {
    return this.#evaluationId;
  }
  get labelId(): number | null {
    return this.#labelId;
  }
  get sort(): PredictionSort {
    return this.#sort;
  }
  get offset(): number {
    return this.#offset;
  }
  get page(): PredictionPage | null {
    return this.#page;
  }
  get loading(): boolean {
    return this.#loading;
  }
  get hasPrevious(): boolean {
    return this.#offset > 0;
  }
  get hasNext(): boolean {
    return this.#page !== null && this.#offset + PREDICTIONS_PAGE_SIZE < this.#page.total;
  }

  /** Shows another evaluation (null: none); the label is kept when the new one has it too. */
  show(evaluationId: number | null): Promise<void> {
    if (evaluationId === this.#evaluationId) return Promise.resolve();
    this.#evaluationId = evaluationId;
    this.#offset = 0;
    return this.load();
  }

  setLabel(labelId: number): Promise<void> {
    this.#labelId = labelId;
    this.#offset = 0;
    return this.load();
  }

  setSort(sort: PredictionSort): Promise<void> {
    this.#sort = sort;
    this.#offset = 0;
    return this.load();
  }

  turn(delta: 1 | -1): Promise<void> {
    const next = Math.max(0, this.#offset + delta * PREDICTIONS_PAGE_SIZE);
    if (next === this.#offset || (delta > 0 && !this.hasNext)) return Promise.resolve();
    this.#offset = next;
    return this.load();
  }

  clear(): void {
    this.#request++;
    this.#evaluationId = null;
    this.#labelId = null;
    this.#offset = 0;
    this.#page = null;
    this.#loading = false;
  }

  private async load(): Promise<void> {
    const request = ++this.#request;
    const evaluationId = this.#evaluationId;
    if (evaluationId === null) {
      this.#page = null;
      return;
    }
    this.#loading = true;
    try {
      const label = this.#labelId ?? undefined;
      const page = await this.api.call('results.predictions', { evaluationId, sort: this.#sort, offset: this.#offset, limit: PREDICTIONS_PAGE_SIZE, ...(label ? { label } : {}) });
      if (request !== this.#request) return;
      // A label the evaluation does not have falls back to its first one (the core chose it).
      if (label !== undefined && !page.labels.some((l) => l.id === label)) {
        this.#labelId = null;
        return this.load();
      }
      this.#page = page;
      this.#labelId = page.labelId;
    } catch (err) {
      if (request === this.#request) this.errors.handleError(err, 'Could not load the predictions');
    } finally {
      if (request === this.#request) this.#loading = false;
    }
  }
}
