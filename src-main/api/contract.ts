/**
 * THE API contract: one object of handlers. Every transport (Electron IPC, web mode, CLI)
 * calls through `dispatch`, which validates the input with the endpoint's schema first.
 * The client types are derived from this object (see types.ts), never written twice.
 */
import os from 'node:os';
import { z } from 'zod';
import { APP_NAME, APP_VERSION } from '../app/version.js';
import { JOB_KIND_NAMES } from '../jobs/job-kinds.js';
import { imageDetail, imageFacets, imageFilterSchema, queryImages } from '../project/images.js';
import { labelSetStats } from '../project/label-stats.js';
import { createPatientSplit, listSplits } from '../project/splits.js';
import { ApiError } from './errors.js';
import { endpoint } from './define.js';

const none = z.object({}).strict();
const projectDir = z.string().trim().min(1, 'a folder path is required').max(4096);
const jobId = z.object({ id: z.number().int().positive() }).strict();

export const api = {
  'app.info': endpoint(none, (core) => ({
    name: APP_NAME,
    version: APP_VERSION,
    appHome: core.options.appHome,
    platform: `${os.platform()} ${os.arch()}`,
    node: process.versions.node,
  })),

  'engine.info': endpoint(none, async () => {
    const { detectEngine } = await import('../ml/engine/index.js');
    return detectEngine();
  }),

  'projects.current': endpoint(none, (core) => core.summary()),
  'projects.recent': endpoint(none, (core) => core.recent.list()),
  'projects.create': endpoint(z.object({ dir: projectDir, name: z.string().max(200).optional() }).strict(), (core, input) =>
    core.createProject(input.dir, input.name),
  ),
  'projects.open': endpoint(z.object({ dir: projectDir }).strict(), (core, input) => core.openProject(input.dir)),
  'projects.openDemo': endpoint(none, (core) => core.openDemoProject()),
  'projects.close': endpoint(none, (core) => {
    core.closeProject();
    return null;
  }),

  'jobs.list': endpoint(z.object({ limit: z.number().int().min(1).max(500).optional() }).strict(), (core, input) =>
    core.requireProject().jobs.list(input.limit),
  ),
  'jobs.start': endpoint(z.object({ kind: z.enum(JOB_KIND_NAMES), params: z.record(z.string(), z.unknown()).optional() }).strict(), (core, input) =>
    core.requireProject().jobs.start(input.kind, input.params ?? {}),
  ),
  'jobs.cancel': endpoint(jobId, (core, input) => core.requireProject().jobs.cancel(input.id)),
  'jobs.resume': endpoint(jobId, (core, input) => core.requireProject().jobs.resume(input.id)),

  'images.query': endpoint(
    z
      .object({
        filter: imageFilterSchema.default({}),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1000).default(100),
      })
      .strict(),
    (core, input) => queryImages(core.requireProject().project.db, input.filter, input.offset, input.limit),
  ),
  'images.get': endpoint(z.object({ id: z.number().int().positive() }).strict(), (core, input) => {
    const detail = imageDetail(core.requireProject().project.db, input.id);
    if (!detail) throw new ApiError('not_found', `No image ${input.id}.`);
    return detail;
  }),
  'images.facets': endpoint(none, (core) => imageFacets(core.requireProject().project.db)),

  'labels.stats': endpoint(none, (core) => labelSetStats(core.requireProject().project.db)),

  'splits.list': endpoint(none, (core) => listSplits(core.requireProject().project.db)),
  'splits.create': endpoint(
    z
      .object({
        name: z.string().trim().min(1).max(200),
        seed: z.number().int().default(0),
        val: z.number().min(0).max(0.9).default(0.15),
        test: z.number().min(0).max(0.9).default(0.15),
        labelSetId: z.number().int().positive().nullable().default(null),
      })
      .strict()
      .refine((s) => s.val + s.test < 1, 'val + test must leave patients for training'),
    (core, input) =>
      createPatientSplit(core.requireProject().project.db, {
        name: input.name,
        seed: input.seed,
        fractions: { train: 1 - input.val - input.test, val: input.val, test: input.test },
        labelSetId: input.labelSetId,
      }),
  ),
};

export type Api = typeof api;
