import { z } from 'zod';

/**
 * Parameters of the `pretrain` job (and `octdino pretrain`). Every DINO setting not named here
 * takes its default from `DEFAULT_DINO_CONFIG`; the resolved config is stored with the run.
 */
export const pretrainParamsSchema = z
  .object({
    /** Continue this run from its last checkpoint instead of starting a new one. */
    runId: z.number().int().positive().optional(),
    /** The pipeline or sweep run this pretraining is a stage of (its job row then belongs to the parent). */
    parentRunId: z.number().int().positive().optional(),
    arch: z.enum(['vit_tiny', 'vit_small', 'vit_custom', 'resnet18']).default('vit_tiny'),
    /** ViT patch size (ignored by resnet18). */
    patch: z.union([z.literal(8), z.literal(16)]).default(16),
    /** Width/depth/heads of a `vit_custom` backbone (tests, quick experiments). */
    custom: z.object({ embedDim: z.number().int().positive(), depth: z.number().int().positive(), numHeads: z.number().int().positive() }).strict().optional(),
    /** Narrower layer widths of a resnet18 (tests; torchvision: 64, 128, 256, 512). */
    resnetWidths: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]).optional(),
    epochs: z.number().int().min(1).max(10_000).default(100),
    batch: z.number().int().min(2).max(4096).default(32),
    outDim: z.number().int().min(2).max(262_144).default(4096),
    globalSize: z.number().int().min(16).max(1024).default(112),
    localSize: z.number().int().min(8).max(1024).default(48),
    localCrops: z.number().int().min(0).max(16).default(4),
    seed: z.number().int().min(0).default(0),
    /** Start from these backbone weights (reference parameter names). */
    init: z.string().min(1).max(4096).optional(),
    /** Split whose test patients are kept out of pretraining; the latest split when omitted. */
    splitId: z.number().int().positive().optional(),
    /** Save a resumable checkpoint every N steps (and at every epoch end). */
    checkpointEvery: z.number().int().min(1).default(50),
    /** Images per forward/backward pass (gradient accumulation); default: 8 for ViTs on wasm, else the batch. */
    microBatch: z.number().int().min(1).optional(),
    /** Stop after this many steps in this invocation (the run stays resumable). */
    maxSteps: z.number().int().min(1).optional(),
    /** Force a TensorFlow.js backend (default: the best available). */
    backend: z.enum(['tensorflow', 'webgpu', 'wasm', 'cpu']).optional(),
    // A few DINO settings worth changing per project; the rest stay at their defaults.
    lr: z.number().positive().optional(),
    warmupEpochs: z.number().min(0).optional(),
    teacherTemp: z.number().positive().optional(),
    warmupTeacherTempEpochs: z.number().min(0).optional(),
    momentumTeacher: z.number().min(0).max(1).optional(),
    headHiddenDim: z.number().int().positive().optional(),
    headBottleneckDim: z.number().int().positive().optional(),
    dropPath: z.number().min(0).max(0.9).optional(),
  })
  .strict();
export type PretrainParams = z.infer<typeof pretrainParamsSchema>;
