/**
 * Builds the renderer's services (API client, state, router) and wires events into state.
 * One instance for the app, handed to components through context (see ../context.ts).
 */
import type { ApiClient } from '../api/api-client.js';
import { AppState } from './app-state.svelte.js';
import { ErrorsState } from './errors.svelte.js';
import { JobsState } from './jobs-state.svelte.js';
import { Router } from './router.svelte.js';

export interface Services {
  api: ApiClient;
  app: AppState;
  jobs: JobsState;
  errors: ErrorsState;
  router: Router;
}

export function createServices(api: ApiClient, win: Window = window): Services {
  const errors = new ErrorsState();
  const jobs = new JobsState(api, errors);
  const app = new AppState(api, errors, (project) => {
    if (project) void jobs.reload();
    else jobs.clear();
  });
  return { api, app, jobs, errors, router: new Router(win) };
}

/** Subscribes to events and the connection, loads the first state; returns the teardown. */
export function startServices({ api, app, jobs, router }: Services): () => void {
  const stops = [
    router.start(),
    api.onConnection((state) => app.setConnection(state)),
    api.onEvent((event) => {
      if (event.type === 'job.updated') jobs.apply(event.job);
      else app.applyProject(event.project);
    }),
  ];
  void app.load();
  return () => stops.forEach((stop) => stop());
}
