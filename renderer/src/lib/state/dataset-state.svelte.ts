/**
 * The Dataset view's state for the open project: the filter, the grid's pages, the facets for
 * the filter menus, per-label counts and the splits. Loaded when the view is first shown, kept
 * across trips to the image viewer (the grid comes back where it was), dropped on a project
 * switch and refreshed when the project's counts change (an import running or finished).
 */
import type { LabelSetStats, SplitSummary } from '../../../../src-main/api/types.js';
import type { ApiClient } from '../api/api-client.js';
import type { ErrorsState } from './errors.svelte.js';
import { EMPTY_FILTERS, toImageFilter, type FilterForm } from './image-filter.js';
import { ImagePages } from './image-pages.svelte.js';

export interface Facets {
  patients: readonly string[];
  visits: readonly string[];
}

export interface CreateSplitInput {
  name: string;
  seed: number;
  val: number;
  test: number;
  /** Stratify on this label set, or null for a plain patient split. */
  labelSetId: number | null;
}

const NO_FACETS: Facets = { patients: [], visits: [] };

export class DatasetState {
  readonly pages: ImagePages;
  #filters = $state.raw<FilterForm>(EMPTY_FILTERS);
  #facets = $state.raw<Facets>(NO_FACETS);
  #labelSets = $state.raw<readonly LabelSetStats[]>([]);
  #splits = $state.raw<readonly SplitSummary[]>([]);
  #creatingSplit = $state(false);
  #active = false;
  #epoch = $state(0);
  /** Bumped on reset, so an answer for the previous project is dropped. */
  #generation = 0;
  /** Where the grid was scrolled to; read once when the grid mounts, so not reactive. */
  scrollTop = 0;

  constructor(
    private readonly api: ApiClient,
    private readonly errors: ErrorsState,
  ) {
    this.pages = new ImagePages(
      (filter, offset, limit) => api.call('images.query', { filter, offset, limit }),
      (err) => errors.handleError(err, 'Could not load the images'),
    );
  }

  get filters(): Readonly<FilterForm> {
    return this.#filters;
  }
  get facets(): Facets {
    return this.#facets;
  }
  get labelSets(): readonly LabelSetStats[] {
    return this.#labelSets;
  }
  get splits(): readonly SplitSummary[] {
    return this.#splits;
  }
  get creatingSplit(): boolean {
    return this.#creatingSplit;
  }
  /** Changes on every reset: the view activates the state again for the new project. */
  get epoch(): number {
    return this.#epoch;
  }
  get active(): boolean {
    return this.#active;
  }

  /** Loads everything the first time the view is shown for this project; later calls do nothing. */
  activate(): void {
    if (this.#active) return;
    this.#active = true;
    void this.loadMeta();
    void this.pages.setFilter(toImageFilter(this.#filters));
  }

  /** Another project (or none) is open: forget this one's data. */
  reset(): void {
    this.#generation++;
    this.#epoch++;
    this.#active = false;
    this.#filters = EMPTY_FILTERS;
    this.#facets = NO_FACETS;
    this.#labelSets = [];
    this.#splits = [];
    this.scrollTop = 0;
    this.pages.clear();
  }

  /** The project's data changed (images imported): reload what is shown, keeping the place. */
  async refresh(): Promise<void> {
    if (!this.#active) return;
    await Promise.all([this.loadMeta(), this.pages.refresh()]);
  }

  setFilters(form: FilterForm): void {
    this.#filters = { ...form };
    this.scrollTop = 0;
    if (this.#active) void this.pages.setFilter(toImageFilter(form));
  }

  /**
   * The next viewable image `delta` places from `index` in the grid's order (files that failed to
   * import have nothing to show and are stepped over), fetching pages as needed.
   */
  async neighbour(index: number, delta: number): Promise<{ index: number; id: number } | null> {
    const step = Math.sign(delta) || 1;
    let target = index + delta;
    for (let tries = 0; tries < 1000; tries++, target += step) {
      if (target < 0 || target >= (this.pages.total ?? 0)) return null;
      await this.pages.ensure(target, target + 1);
      const item = this.pages.itemAt(target);
      if (!item) return null;
      if (item.status === 'ok') return { index: target, id: item.id };
    }
    return null;
  }

  async createSplit(input: CreateSplitInput): Promise<boolean> {
    this.#creatingSplit = true;
    try {
      await this.api.call('splits.create', input);
      this.#splits = await this.api.call('splits.list', {});
      return true;
    } catch (err) {
      this.errors.handleError(err, 'Could not create the split');
      return false;
    } finally {
      this.#creatingSplit = false;
    }
  }

  private async loadMeta(): Promise<void> {
    const generation = this.#generation;
    try {
      const [facets, labelSets, splits] = await Promise.all([
        this.api.call('images.facets', {}),
        this.api.call('labels.stats', {}),
        this.api.call('splits.list', {}),
      ]);
      if (generation !== this.#generation) return;
      this.#facets = facets;
      this.#labelSets = labelSets;
      this.#splits = splits;
    } catch (err) {
      if (generation === this.#generation) this.errors.handleError(err, 'Could not load the dataset overview');
    }
  }
}
