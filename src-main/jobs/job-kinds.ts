/**
 * The registry of job kinds. The core validates a job's params against its schema before a
 * worker is started; the worker loads the implementation lazily, so the API process never
 * imports heavy job code (image codecs, TensorFlow.js).
 */
import type { z } from 'zod';
import { queueParamsSchema } from '../annotate/queue/queue-params.js';
import { demoGenerateParamsSchema } from '../demo/demo-job-params.js';
import { importParamsSchema } from '../import/import-job-params.js';
import { finetuneParamsSchema } from '../ml/finetune/finetune-params.js';
import { embeddingParamsSchema } from '../ml/inspect/embedding-params.js';
import { pipelineParamsSchema } from '../ml/pipeline/pipeline-params.js';
import { pretrainParamsSchema } from '../ml/pretrain/pretrain-params.js';
import type { JobHandler } from './job-context.js';

interface JobKindDefinition<S extends z.ZodType> {
  readonly title: string;
  readonly params: S;
  readonly load: () => Promise<JobHandler<z.output<S>, unknown>>;
}

function defineJobKind<S extends z.ZodType>(definition: JobKindDefinition<S>): JobKindDefinition<S> {
  return definition;
}

export const JOB_KINDS = {
  'demo.generate': defineJobKind({
    title: 'Generate the demo dataset',
    params: demoGenerateParamsSchema,
    load: async () => (await import('../demo/demo-job.js')).generateDemoDataset,
  }),
  import: defineJobKind({
    title: 'Import images',
    params: importParamsSchema,
    load: async () => (await import('../import/import-job.js')).importJob,
  }),
  pretrain: defineJobKind({
    title: 'DINO pretraining',
    params: pretrainParamsSchema,
    load: async () => (await import('../ml/pretrain/pretrain-job.js')).pretrainJob,
  }),
  finetune: defineJobKind({
    title: 'Downstream training and evaluation',
    params: finetuneParamsSchema,
    load: async () => (await import('../ml/finetune/arm-job.js')).finetuneJob,
  }),
  'annotate.queue': defineJobKind({
    title: 'What to label next',
    params: queueParamsSchema,
    load: async () => (await import('../annotate/queue/queue-job.js')).queueJob,
  }),
  'inspect.embedding': defineJobKind({
    title: 'Embedding map',
    params: embeddingParamsSchema,
    load: async () => (await import('../ml/inspect/embedding-job.js')).embeddingJob,
  }),
  pipeline: defineJobKind({
    title: 'Pretrain, fine-tune and evaluate',
    params: pipelineParamsSchema,
    load: async () => (await import('../ml/pipeline/pipeline-job.js')).pipelineJob,
  }),
} as const;

export type JobKind = keyof typeof JOB_KINDS;
export const JOB_KIND_NAMES = Object.keys(JOB_KINDS) as [JobKind, ...JobKind[]];

export function isJobKind(kind: string): kind is JobKind {
  return Object.hasOwn(JOB_KINDS, kind);
}
