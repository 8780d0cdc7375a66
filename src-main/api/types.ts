/**
 * Types for API clients (the renderer, the preload). Derived from the contract object, so the
 * client can never drift from the handlers. Import these with `import type` only.
 */
import type { z } from 'zod';
import type { Api } from './contract.js';

export type { Api } from './contract.js';
export type { ApiEvent } from './core.js';
export type { ApiErrorCode, ApiErrorPayload } from './errors.js';
export type { ProjectSummary, ProjectCounts } from '../project/summary.js';
export type { JobView, JobStatus } from '../jobs/jobs-repository.js';
export type { RecentProject } from '../app/recent-projects.js';
export type { ImageListItem, ImagePage } from '../project/images.js';

export type ApiMethod = keyof Api;
export type ApiInput<M extends ApiMethod> = z.input<Api[M]['input']>;
export type ApiResult<M extends ApiMethod> = Awaited<ReturnType<Api[M]['handler']>>;

/** Methods whose input may be left out entirely (every field optional). */
export type ApiCallArgs<M extends ApiMethod> = Record<string, never> extends ApiInput<M> ? [input?: ApiInput<M>] : [input: ApiInput<M>];
export type { OctdinoBridge, PickPathRequest } from './bridge.js';
export type { DispatchResult } from './dispatch.js';
export type { ImageVariant } from './image-delivery.js';
export type { ImageDetail, ImageFilter } from '../project/images.js';
export type { SplitSummary } from '../project/splits.js';
export type { LabelSetStats, LabelCounts } from '../project/label-stats.js';
export type { ImportFailure, ImportResult } from '../import/import-pipeline.js';
export type { ImportParams } from '../import/import-job-params.js';
