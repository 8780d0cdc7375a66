import { z } from 'zod';

/** Parameters of the `demo.generate` job; every field optional, defaults from resources/demo. */
export const demoGenerateParamsSchema = z
  .object({
    seed: z.number().int().optional(),
    patients: z.number().int().min(1).max(500).optional(),
    eyesPerPatient: z.union([z.literal(1), z.literal(2)]).optional(),
    visitsPerEye: z.number().int().min(1).max(20).optional(),
    slicesPerVolume: z.number().int().min(1).max(128).optional(),
    width: z.number().int().min(32).max(2048).optional(),
    height: z.number().int().min(32).max(2048).optional(),
  })
  .strict();
export type DemoGenerateParams = z.infer<typeof demoGenerateParamsSchema>;
