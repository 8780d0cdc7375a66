/**
 * The Reports view's state: everything a study gives to take away, in one place. Choose a
 * pipeline, sweep or run; write its report (HTML or PDF), its predictions and metrics CSV, an
 * arm's classifier (TensorFlow.js folder) or a backbone (safetensors); a label set as CSV
 * (effective labels or one annotator's); or the whole project as an archive. Every export is
 * written by the core into the project's reports/ or exports/ folder and listed here with its
 * size; in web mode each file is a download link, on the desktop its path is shown.
 */
import type { ApiResult } from '../../../../src-main/api/types.js';
import type { ApiClient } from '../api/api-client.js';
import type { ChildRun, RunListItem } from '../results/results-view.js';
import type { ErrorsState } from './errors.svelte.js';

export type ExportAction =
  | { kind: 'report'; format: 'html' | 'pdf' }
  | { kind: 'predictions' | 'metrics'; runId: number }
  | { kind: 'classifier' | 'backbone'; runId: number }
  | { kind: 'labels'; labelSetId: number; annotatorId: number | null }
  | { kind: 'archive'; withCheckpoints: boolean };

export interface ExportFile {
  name: string;
  /** Path inside the project, e.g. exports/predictions-run-3-….csv. */
  relative: string;
  path: string;
  bytes: number;
  /** A download link (web mode), or null where the path is shown instead (desktop). */
  url: string | null;
}

export interface ExportDone {
  id: number;
  title: string;
  summary: string;
  /** The file or folder written. */
  path: string;
  bytes: number;
  files: ExportFile[];
}

type LabelSet = ApiResult<'labelSets.list'>[number];
type Annotator = ApiResult<'annotators.list'>[number];
type Listed = ApiResult<'exports.list'>[number];

/** Runs worth a report or an export: the newest pipelines and sweeps first, then the rest. */
export function reportableRuns(runs: readonly RunListItem[]): RunListItem[] {
  const rank = (r: RunListItem): number => (r.kind === 'pipeline' || r.kind === 'sweep' ? 0 : 1);
  return [...runs].sort((a, b) => rank(a) - rank(b) || b.id - a.id);
}

/** The download URL of a file under reports/ or exports/ (web mode), each path part encoded. */
export function downloadUrl(relative: string): string {
  return `/api/files/${relative.split('/').map(encodeURIComponent).join('/')}`;
}

/** A human size: 512 B, 1.5 kB, 12.3 MB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = -1;
  do {
    value /= 1000;
    unit++;
  } while (value >= 1000 && unit < units.length - 1);
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

function actionTitle(action: ExportAction): string {
  switch (action.kind) {
    case 'report':
      return `Report (${action.format.toUpperCase()})`;
    case 'predictions':
      return `Predictions CSV of run ${action.runId}`;
    case 'metrics':
      return `Metrics CSV of run ${action.runId}`;
    case 'classifier':
      return `Classifier of run ${action.runId} (TensorFlow.js)`;
    case 'backbone':
      return `Backbone of run ${action.runId} (safetensors)`;
    case 'labels':
      return 'Labels CSV';
    case 'archive':
      return action.withCheckpoints ? 'Project archive with checkpoints' : 'Project archive';
  }
}

/** A stable key for an action, so the view can tell which button is busy. */
export function actionKey(action: ExportAction): string {
  return JSON.stringify(action);
}

export class ReportsState {
  #runs = $state.raw<readonly RunListItem[]>([]);
  #loaded = $state(false);
  #selectedId = $state<number | null>(null);
  #children = $state.raw<readonly ChildRun[]>([]);
  #labelSets = $state.raw<readonly LabelSet[]>([]);
  #annotators = $state.raw<readonly Annotator[]>([]);
  #listed = $state.raw<readonly Listed[]>([]);
  #done = $state.raw<readonly ExportDone[]>([]);
  #busy = $state<string | null>(null);
  #generation = 0;
  #nextId = 1;

  constructor(
    private readonly api: ApiClient,
    private readonly errors: ErrorsState,
  ) {}

  get runs(): readonly RunListItem[] {
    return this.#runs;
  }
  get loaded(): boolean {
    return this.#loaded;
  }
  get selectedId(): number | null {
    return this.#selectedId;
  }
  get selected(): RunListItem | null {
    return this.#runs.find((r) => r.id === this.#selectedId) ?? null;
  }
  /** The selected run's stages: arms give classifiers and backbones, the pretraining a backbone. */
  get children(): readonly ChildRun[] {
    return this.#children;
  }
  get labelSets(): readonly LabelSet[] {
    return this.#labelSets;
  }
  /** People whose own labels can be exported (imported sources count as annotators too). */
  get annotators(): readonly Annotator[] {
    return this.#annotators;
  }
  /** Files already in reports/ and exports/, newest first. */
  get listed(): readonly ExportFile[] {
    return this.#listed.map((f) => this.file(f));
  }
  /** Exports made in this session, newest first. */
  get done(): readonly ExportDone[] {
    return this.#done;
  }
  /** The action running now (its key), or null. */
  get busy(): string | null {
    return this.#busy;
  }
  /** Whether files can be downloaded (web mode) or are shown by path (desktop). */
  get downloads(): boolean {
    return this.api.transportKind === 'websocket';
  }

  /** Reads the runs, label sets, annotators and existing files (the view opened, the project changed). */
  async load(): Promise<void> {
    const generation = ++this.#generation;
    this.#done = [];
    this.#selectedId = null;
    this.#children = [];
    try {
      const [runs, labelSets, annotators, listed] = await Promise.all([
        this.api.call('runs.list', {}),
        this.api.call('labelSets.list', {}),
        this.api.call('annotators.list', {}),
        this.api.call('exports.list', {}),
      ]);
      if (generation !== this.#generation) return;
      this.#runs = reportableRuns(runs);
      this.#labelSets = labelSets;
      this.#annotators = annotators;
      this.#listed = listed;
      this.#loaded = true;
      const first = this.#runs.find((r) => r.status === 'completed') ?? this.#runs[0];
      if (first) await this.select(first.id);
    } catch (err) {
      if (generation === this.#generation) this.errors.handleError(err, 'Could not load what can be exported');
    }
  }

  async select(id: number | null): Promise<void> {
    this.#selectedId = id;
    this.#children = [];
    if (id === null) return;
    const generation = this.#generation;
    try {
      const detail = await this.api.call('runs.get', { id });
      if (generation === this.#generation && id === this.#selectedId) this.#children = detail.children;
    } catch (err) {
      if (generation === this.#generation) this.errors.handleError(err, `Could not load run ${id}`);
    }
  }

  /** Runs one export; returns what was written, or null when it failed (the error banner says why). */
  async run(action: ExportAction): Promise<ExportDone | null> {
    if (this.#busy !== null) return null;
    const key = actionKey(action);
    this.#busy = key;
    const generation = this.#generation;
    try {
      const done = await this.call(action);
      if (generation !== this.#generation) return null;
      this.#done = [done, ...this.#done];
      void this.refreshListed();
      return done;
    } catch (err) {
      if (generation === this.#generation) this.errors.handleError(err, `Could not export: ${actionTitle(action)}`);
      return null;
    } finally {
      if (this.#busy === key) this.#busy = null;
    }
  }

  private async call(action: ExportAction): Promise<ExportDone> {
    const title = actionTitle(action);
    const id = this.#nextId++;
    if (action.kind === 'report') {
      const runId = this.#selectedId;
      const run = this.selected;
      if (runId === null || !run) throw new Error('Choose a run first.');
      const scope = run.kind === 'pipeline' || run.kind === 'sweep' ? { pipelineId: runId } : { runIds: [runId] };
      const r = await this.api.call('reports.create', { ...scope, format: action.format });
      const name = r.path.split(/[\\/]/).pop() ?? r.path;
      const relative = `reports/${name}`;
      const file = this.file({ path: r.path, relative, bytes: r.bytes });
      return { id, title, summary: `${r.sections} sections, ${r.runIds.length} runs, ${r.attentionExamples} attention examples`, path: r.path, bytes: r.bytes, files: [file] };
    }
    const r =
      action.kind === 'labels'
        ? await this.api.call('exports.labels', { labelSetId: action.labelSetId, ...(action.annotatorId !== null ? { annotatorId: action.annotatorId } : {}) })
        : action.kind === 'archive'
          ? await this.api.call('exports.archive', { withCheckpoints: action.withCheckpoints })
          : await this.api.call(`exports.${action.kind}`, { runId: action.runId });
    return { id, title, summary: r.summary, path: r.path, bytes: r.bytes, files: r.files.map((f) => this.file(f)) };
  }

  private file(f: { path: string; relative: string; bytes: number }): ExportFile {
    const name = f.relative.split('/').slice(1).join('/') || (f.path.split(/[\\/]/).pop() ?? f.path);
    return { name, relative: f.relative, path: f.path, bytes: f.bytes, url: this.downloads && f.relative ? downloadUrl(f.relative) : null };
  }

  private async refreshListed(): Promise<void> {
    const generation = this.#generation;
    try {
      const listed = await this.api.call('exports.list', {});
      if (generation === this.#generation) this.#listed = listed;
    } catch {
      // The list is a convenience; the export itself already succeeded and is shown.
    }
  }
}
