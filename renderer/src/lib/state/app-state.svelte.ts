/**
 * App-wide state: the open project (with its counts), the recent projects and the connection to
 * the core. Kept in sync by `project.changed` events; the actions here are what the Projects view
 * calls, each reporting failures through the one error path.
 */
import type { ProjectSummary, RecentProject } from '../../../../src-main/api/types.js';
import type { ApiClient } from '../api/api-client.js';
import type { ConnectionState } from '../api/transport.js';
import type { ErrorsState } from './errors.svelte.js';

export class AppState {
  #project = $state.raw<ProjectSummary | null>(null);
  #recent = $state.raw<RecentProject[]>([]);
  #connection = $state.raw<ConnectionState>({ status: 'connecting', attempts: 0, retryAt: null });
  #loaded = $state(false);
  #busy = $state(false);

  constructor(
    private readonly api: ApiClient,
    private readonly errors: ErrorsState,
    /** Called when a different project (or none) becomes the open one: dependent state reloads. */
    private readonly onProjectSwitched: (project: ProjectSummary | null) => void = () => {},
  ) {}

  get project(): ProjectSummary | null {
    return this.#project;
  }
  get recent(): readonly RecentProject[] {
    return this.#recent;
  }
  get connection(): ConnectionState {
    return this.#connection;
  }
  /** True once the first `projects.current` answered (so "no project" is known, not assumed). */
  get loaded(): boolean {
    return this.#loaded;
  }
  /** True while a create/open call is in flight (forms disable their buttons). */
  get busy(): boolean {
    return this.#busy;
  }

  async load(): Promise<void> {
    try {
      const [project, recent] = await Promise.all([this.api.call('projects.current', {}), this.api.call('projects.recent', {})]);
      this.#recent = recent;
      this.applyProject(project, true);
      this.#loaded = true;
    } catch (err) {
      this.errors.handleError(err, 'Could not load the open project');
    }
  }

  async refreshRecent(): Promise<void> {
    try {
      this.#recent = await this.api.call('projects.recent', {});
    } catch (err) {
      this.errors.handleError(err, 'Could not load the recent projects');
    }
  }

  /** Applies a summary from an event or a call; `force` reloads dependants even for the same project. */
  applyProject(project: ProjectSummary | null, force = false): void {
    const switched = force || this.#project?.dir !== project?.dir;
    this.#project = project;
    if (switched) this.onProjectSwitched(project);
  }

  setConnection(state: ConnectionState): void {
    const wasDown = this.#connection.status === 'reconnecting';
    this.#connection = state;
    // Events sent while the socket was down are lost: read the state again after a reconnect.
    if (wasDown && state.status === 'open') void this.load();
  }

  createProject(dir: string, name: string): Promise<boolean> {
    const input = name.trim() ? { dir, name: name.trim() } : { dir };
    return this.run(() => this.api.call('projects.create', input), 'Could not create the project');
  }

  openProject(dir: string): Promise<boolean> {
    return this.run(() => this.api.call('projects.open', { dir }), 'Could not open the project');
  }

  openDemo(): Promise<boolean> {
    return this.run(() => this.api.call('projects.openDemo', {}), 'Could not open the demo project');
  }

  private async run(action: () => Promise<ProjectSummary>, failure: string): Promise<boolean> {
    this.#busy = true;
    try {
      this.applyProject(await action());
      await this.refreshRecent();
      return true;
    } catch (err) {
      this.errors.handleError(err, failure);
      return false;
    } finally {
      this.#busy = false;
    }
  }
}
