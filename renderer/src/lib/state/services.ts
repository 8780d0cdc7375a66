/**
 * Builds the renderer's services (API client, state, router) and wires events into state.
 * One instance for the app, handed to components through context (see ../context.ts).
 */
import type { ApiClient } from '../api/api-client.js';
import type { ProjectCounts } from '../../../../src-main/api/types.js';
import { AnnotateState } from './annotate-state.svelte.js';
import { AppState } from './app-state.svelte.js';
import { DatasetState } from './dataset-state.svelte.js';
import { ErrorsState } from './errors.svelte.js';
import { JobsState } from './jobs-state.svelte.js';
import { Router } from './router.svelte.js';
import { TrainState } from './train-state.svelte.js';

export interface Services {
  api: ApiClient;
  app: AppState;
  jobs: JobsState;
  dataset: DatasetState;
  train: TrainState;
  annotate: AnnotateState;
  errors: ErrorsState;
  router: Router;
}

export function createServices(api: ApiClient, win: Window = window): Services {
  const errors = new ErrorsState();
  const jobs = new JobsState(api, errors);
  const dataset = new DatasetState(api, errors);
  const train = new TrainState(api, errors, jobs);
  const annotate = new AnnotateState(api, errors);
  const app = new AppState(api, errors, (project) => {
    dataset.reset();
    train.reset();
    annotate.reset();
    if (project) void jobs.reload();
    else jobs.clear();
  });
  return { api, app, jobs, dataset, train, annotate, errors, router: new Router(win) };
}

/** Counts that change what the Dataset view shows. */
function datasetChanged(before: ProjectCounts, after: ProjectCounts): boolean {
  return before.images !== after.images || before.importErrors !== after.importErrors || before.labelledImages !== after.labelledImages;
}

/** Subscribes to events and the connection, loads the first state; returns the teardown. */
/** Counts that change what the Train view shows (new runs; labels for the pipeline form). */
function trainChanged(before: ProjectCounts, after: ProjectCounts): boolean {
  return before.runs !== after.runs || before.labelSets !== after.labelSets || before.labelledImages !== after.labelledImages;
}

export function startServices({ api, app, jobs, dataset, train, annotate, router }: Services): () => void {
  const stops = [
    router.start(),
    api.onConnection((state) => app.setConnection(state)),
    api.onEvent((event) => {
      if (event.type === 'job.updated') {
        jobs.apply(event.job);
        train.jobUpdated(event.job);
        annotate.jobUpdated(event.job);
      } else {
        const before = app.project;
        app.applyProject(event.project);
        const after = event.project;
        if (before && after && before.dir === after.dir && datasetChanged(before.counts, after.counts)) void dataset.refresh();
        if (before && after && before.dir === after.dir && trainChanged(before.counts, after.counts)) {
          void train.refresh();
          void train.refreshLabelSets();
        }
      }
    }),
  ];
  void app.load();
  return () => stops.forEach((stop) => stop());
}
