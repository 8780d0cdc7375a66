import { EventEmitter } from 'node:events';
import { RecentProjects } from '../app/recent-projects.js';
import { demoNeedsGeneration, openOrCreateDemoProject } from '../demo/demo-project.js';
import { JobRunner, type JobRunnerOptions } from '../jobs/job-runner.js';
import type { JobView } from '../jobs/jobs-repository.js';
import { Project } from '../project/project.js';
import { summarizeProject, type ProjectSummary } from '../project/summary.js';
import { ApiError } from './errors.js';

/** Events pushed to every connected UI. */
export type ApiEvent = { type: 'job.updated'; job: JobView } | { type: 'project.changed'; project: ProjectSummary | null };

export interface CoreOptions {
  /** The app's own folder: recent projects, the demo project. */
  appHome: string;
  jobs?: JobRunnerOptions;
}

interface OpenProject {
  project: Project;
  jobs: JobRunner;
}

/**
 * The application core behind every transport (Electron IPC, web mode, CLI): the open project,
 * its job runner and the event stream. One instance per app window or web server.
 */
export class AppCore extends EventEmitter<{ event: [ApiEvent] }> {
  readonly recent: RecentProjects;
  private current: OpenProject | null = null;
  private lastProjectChange = 0;

  constructor(readonly options: CoreOptions) {
    super();
    this.recent = new RecentProjects(options.appHome);
  }

  get project(): Project | null {
    return this.current?.project ?? null;
  }

  /** The open project, or a clear error telling the user to open one. */
  requireProject(): OpenProject {
    if (!this.current) throw new ApiError('no_project', 'No project is open. Create or open a project first.');
    return this.current;
  }

  summary(): ProjectSummary | null {
    return this.current ? summarizeProject(this.current.project) : null;
  }

  createProject(dir: string, name?: string): ProjectSummary {
    return this.attach(Project.create(dir, name));
  }

  openProject(dir: string): ProjectSummary {
    if (this.current && this.current.project.dir === Project.resolveDir(dir)) return summarizeProject(this.current.project);
    return this.attach(Project.open(dir));
  }

  /** Opens the built-in demo project, starting the generation of its images when needed. */
  openDemoProject(): ProjectSummary {
    const project = openOrCreateDemoProject(this.options.appHome);
    if (this.current?.project.dir === project.dir) {
      project.close();
    } else {
      this.attach(project);
    }
    const { project: open, jobs } = this.requireProject();
    const generating = jobs.list(20).some((job) => job.kind === 'demo.generate' && job.status === 'running');
    if (!generating && demoNeedsGeneration(open)) jobs.start('demo.generate', {});
    return summarizeProject(open);
  }

  closeProject(): void {
    if (!this.current) return;
    this.current.jobs.shutdown();
    this.current.jobs.removeAllListeners();
    this.current.project.close();
    this.current = null;
    this.emit('event', { type: 'project.changed', project: null });
  }

  /** Stops every worker and closes the project (app quit, server stop). */
  dispose(): void {
    this.closeProject();
    this.removeAllListeners();
  }

  private attach(project: Project): ProjectSummary {
    this.closeProject();
    const jobs = new JobRunner(project, this.options.jobs);
    jobs.on('updated', (job) => {
      this.emit('event', { type: 'job.updated', job });
      // Jobs change counts (images imported, runs finished): refresh the summary when a job
      // ends, and every couple of seconds while one runs.
      const finished = job.status !== 'running' && job.status !== 'queued';
      if (finished || Date.now() - this.lastProjectChange > 2000) this.emitProjectChanged();
    });
    this.current = { project, jobs };
    const summary = summarizeProject(project);
    this.recent.touch(project.dir, summary.name);
    this.emit('event', { type: 'project.changed', project: summary });
    return summary;
  }

  private emitProjectChanged(): void {
    this.lastProjectChange = Date.now();
    if (this.current) this.emit('event', { type: 'project.changed', project: summarizeProject(this.current.project) });
  }
}
