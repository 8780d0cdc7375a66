import { z } from 'zod';

/** Parameters of the `annotate.queue` job: what to label next in one label set. */
export const queueParamsSchema = z
  .object({
    labelSetId: z.number().int().positive(),
    strategy: z.enum(['random', 'typiclust', 'k-center', 'entropy', 'margin']).default('typiclust'),
    /** Images in the queue. */
    budget: z.number().int().min(1).max(5000).default(50),
    seed: z.number().int().min(0).default(0),
    /** At most one image per patient in this round (neighbouring B-scans teach little new). */
    onePerPatient: z.boolean().default(true),
    /** Only images of training patients (labels spent on val/test do not train anything). */
    trainOnly: z.boolean().default(true),
    /** Features from this pretraining run (typiclust, k-center); the latest completed one by default. */
    pretrainRunId: z.number().int().positive().optional(),
    /** Probabilities from this downstream run's classifier (entropy, margin); the latest of the label set by default. */
    classifierRunId: z.number().int().positive().optional(),
    backend: z.enum(['tensorflow', 'webgpu', 'wasm', 'cpu']).optional(),
  })
  .strict();
export type QueueParams = z.infer<typeof queueParamsSchema>;
