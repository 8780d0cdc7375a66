import { z } from 'zod';
import { ARM_NAMES, downstreamSettingsSchema } from '../finetune/downstream-config.js';
import { pipelinePretrainSettingsSchema, PRESET_NAMES } from './presets.js';

/**
 * A label budget: a fraction of the labelled training patients, or a count of labelled training
 * images (whole patients are drawn in a seeded order until the count is reached).
 */
export const labelBudgetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('fraction'), value: z.number().gt(0).max(1) }).strict(),
  z.object({ kind: z.literal('count'), value: z.number().int().min(1) }).strict(),
]);
export type LabelBudget = z.infer<typeof labelBudgetSchema>;

/**
 * Parameters of the `pipeline` job (and `octdino pipeline`): a preset, and any of its settings
 * overridden. With `sweep`, the downstream arms repeat at every budget × seed, reusing one
 * pretraining (the label-efficiency curve).
 */
export const pipelineParamsSchema = z
  .object({
    /** Continue this pipeline (or sweep) run where it stopped. */
    runId: z.number().int().positive().optional(),
    /** Label set by name; the project's first label set with annotations when omitted. */
    labelSet: z.string().min(1).max(200).optional(),
    labels: labelBudgetSchema.default({ kind: 'fraction', value: 1 }),
    preset: z.enum(PRESET_NAMES).default('quick'),
    seed: z.number().int().min(0).default(0),
    /** The split whose train/val/test patients are used; the latest split when omitted. */
    splitId: z.number().int().positive().optional(),
    pretrain: pipelinePretrainSettingsSchema.partial().default({}),
    downstream: downstreamSettingsSchema.partial().default({}),
    arms: z.array(z.enum(ARM_NAMES)).min(1).default([...ARM_NAMES]),
    /** Reuse this completed pretraining run instead of pretraining again. */
    pretrainRunId: z.number().int().positive().optional(),
    sweep: z
      .object({ budgets: z.array(labelBudgetSchema).min(1).max(50), seeds: z.array(z.number().int().min(0)).min(1).max(20) })
      .strict()
      .optional(),
    backend: z.enum(['tensorflow', 'webgpu', 'wasm', 'cpu']).optional(),
  })
  .strict();
export type PipelineParams = z.infer<typeof pipelineParamsSchema>;
