/**
 * The one-click pipeline's presets: every setting of both halves of the experiment, visible
 * and editable (the UI shows them; `octdino pipeline` prints them with --json). `quick` is for a
 * laptop CPU in minutes on a few hundred images, `standard` for an evening on a workstation,
 * `full` is the paper's recipe (ViT-S/16, 224/96 px crops, 8 local crops, K = 65536) for a GPU.
 */
import { z } from 'zod';
import type { DownstreamSettings } from '../finetune/downstream-config.js';

export const PRESET_NAMES = ['quick', 'standard', 'full'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** The pretraining settings a pipeline exposes (the rest of DINO keeps its defaults). */
export const pipelinePretrainSettingsSchema = z
  .object({
    arch: z.enum(['vit_tiny', 'vit_small', 'vit_custom', 'resnet18']),
    patch: z.union([z.literal(8), z.literal(16)]),
    custom: z.object({ embedDim: z.number().int().positive(), depth: z.number().int().positive(), numHeads: z.number().int().positive() }).strict().optional(),
    resnetWidths: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]).optional(),
    epochs: z.number().int().min(1).max(10_000),
    batch: z.number().int().min(2).max(4096),
    outDim: z.number().int().min(2).max(262_144),
    globalSize: z.number().int().min(16).max(1024),
    localSize: z.number().int().min(8).max(1024),
    localCrops: z.number().int().min(0).max(16),
    headHiddenDim: z.number().int().positive(),
    headBottleneckDim: z.number().int().positive().optional(),
    warmupEpochs: z.number().min(0).optional(),
    lr: z.number().positive().optional(),
    teacherTemp: z.number().positive().optional(),
    warmupTeacherTempEpochs: z.number().min(0).optional(),
    momentumTeacher: z.number().min(0).max(1).optional(),
    dropPath: z.number().min(0).max(0.9).optional(),
    checkpointEvery: z.number().int().min(1),
  })
  .strict();
export type PipelinePretrainSettings = z.infer<typeof pipelinePretrainSettingsSchema>;

export interface PipelinePreset {
  readonly name: PresetName;
  readonly description: string;
  readonly pretrain: Readonly<PipelinePretrainSettings>;
  readonly downstream: Readonly<DownstreamSettings>;
}

const QUICK: PipelinePreset = {
  name: 'quick',
  description: 'ViT-Tiny/16 at 64/32 px, 10 epochs of DINO, 10 of fine-tuning: minutes on a laptop CPU for a few hundred scans.',
  pretrain: { arch: 'vit_tiny', patch: 16, epochs: 10, batch: 32, outDim: 1024, globalSize: 64, localSize: 32, localCrops: 2, headHiddenDim: 512, checkpointEvery: 25 },
  downstream: {
    batch: 32,
    linearEpochs: 100,
    linearLr: 1e-3,
    linearWeightDecay: 1e-4,
    finetuneEpochs: 10,
    finetuneLr: 1e-3,
    backboneLrScale: 0.1,
    layerDecay: 0.75,
    supervisedLr: 1e-3,
    weightDecay: 0.05,
    warmupEpochs: 1,
    patience: 5,
    cropScale: [0.6, 1],
    maxPosWeight: 20,
    bootstrap: 200,
  },
};

const STANDARD: PipelinePreset = {
  name: 'standard',
  description: 'ViT-Tiny/16 at 112/48 px with 4 local crops, 50 epochs of DINO, 30 of fine-tuning: hours on a CPU, minutes on a GPU.',
  pretrain: { arch: 'vit_tiny', patch: 16, epochs: 50, batch: 32, outDim: 4096, globalSize: 112, localSize: 48, localCrops: 4, headHiddenDim: 2048, checkpointEvery: 50 },
  downstream: { ...QUICK.downstream, linearEpochs: 200, finetuneEpochs: 30, warmupEpochs: 3, patience: 8, bootstrap: 1000 },
};

const FULL: PipelinePreset = {
  name: 'full',
  description: "The paper's recipe: ViT-S/16 at 224/96 px, 8 local crops, K = 65536, 100 epochs of DINO, 100 of fine-tuning. Needs a GPU.",
  pretrain: { arch: 'vit_small', patch: 16, epochs: 100, batch: 64, outDim: 65_536, globalSize: 224, localSize: 96, localCrops: 8, headHiddenDim: 2048, dropPath: 0.1, checkpointEvery: 200 },
  downstream: { ...QUICK.downstream, batch: 64, linearEpochs: 300, finetuneEpochs: 100, layerDecay: 0.65, warmupEpochs: 5, patience: 15, bootstrap: 1000 },
};

export const PIPELINE_PRESETS: Readonly<Record<PresetName, PipelinePreset>> = Object.freeze({ quick: QUICK, standard: STANDARD, full: FULL });
