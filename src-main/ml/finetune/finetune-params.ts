import { z } from 'zod';
import { labelBudgetSchema } from '../pipeline/pipeline-params.js';
import { PRESET_NAMES } from '../pipeline/presets.js';
import { ARM_NAMES, downstreamSettingsSchema } from './downstream-config.js';

/**
 * Parameters of the `finetune` job (`octdino finetune`): one downstream arm at one label budget.
 * The backbone comes from a DINO pretraining run (its teacher, the network DINO evaluates) or a
 * weights file with the reference names; the supervised arm builds the same architecture from
 * scratch.
 */
export const finetuneParamsSchema = z
  .object({
    /** Continue (or re-evaluate) this arm run. */
    runId: z.number().int().positive().optional(),
    arm: z.enum(ARM_NAMES),
    parentRunId: z.number().int().positive().optional(),
    pretrainRunId: z.number().int().positive().optional(),
    weights: z.string().min(1).max(4096).optional(),
    /** Architecture when no pretraining run names it. */
    arch: z.enum(['vit_tiny', 'vit_small', 'vit_custom', 'resnet18']).optional(),
    patch: z.union([z.literal(8), z.literal(16)]).optional(),
    custom: z.object({ embedDim: z.number().int().positive(), depth: z.number().int().positive(), numHeads: z.number().int().positive() }).strict().optional(),
    resnetWidths: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]).optional(),
    labelSet: z.string().min(1).max(200).optional(),
    labels: labelBudgetSchema.default({ kind: 'fraction', value: 1 }),
    seed: z.number().int().min(0).default(0),
    splitId: z.number().int().positive().optional(),
    preset: z.enum(PRESET_NAMES).default('quick'),
    downstream: downstreamSettingsSchema.partial().default({}),
    backend: z.enum(['tensorflow', 'webgpu', 'wasm', 'cpu']).optional(),
  })
  .strict();
export type FinetuneParams = z.infer<typeof finetuneParamsSchema>;
