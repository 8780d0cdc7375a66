import { z } from 'zod';

/** Parameters of the `inspect.embedding` job: a 2-D map of a pretraining run's image features. */
export const embeddingParamsSchema = z
  .object({
    runId: z.number().int().positive(),
    /** PCA is seconds; UMAP (McInnes et al.) keeps neighbourhoods but takes minutes for tens of thousands of images. */
    method: z.enum(['pca', 'umap']).default('pca'),
    seed: z.number().int().min(0).default(0),
    neighbours: z.number().int().min(2).max(200).default(15),
    minDist: z.number().min(0).max(1).default(0.1),
    backend: z.enum(['tensorflow', 'webgpu', 'wasm', 'cpu']).optional(),
  })
  .strict();
export type EmbeddingParams = z.infer<typeof embeddingParamsSchema>;
