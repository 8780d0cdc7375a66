/**
 * Settings of the downstream half of the experiment (report §5): how the labelled images train
 * a classifier on top of a backbone, for each arm. One typed, frozen object with a one-line hint
 * per field; the resolved settings are stored with every run.
 */
import { z } from 'zod';

/** The four arms compared at a label budget. */
export const ARM_NAMES = ['dino_linear', 'dino_finetune', 'supervised', 'dino_knn'] as const;
export type ArmName = (typeof ARM_NAMES)[number];

/** The run kind each arm is stored as. */
export const ARM_RUN_KIND = Object.freeze({ dino_linear: 'linear_probe', dino_finetune: 'finetune', supervised: 'supervised', dino_knn: 'knn' } as const);

export const downstreamSettingsSchema = z
  .object({
    /** Side of the square model input; the pretraining's global crop size by default. */
    inputSize: z.number().int().min(16).max(1024).optional(),
    batch: z.number().int().min(1).max(1024),
    /** Linear probe on frozen features: full-batch AdamW steps over the features. */
    linearEpochs: z.number().int().min(1).max(10_000),
    linearLr: z.number().positive(),
    linearWeightDecay: z.number().min(0),
    /** Fine-tuning (DINO backbone) and the supervised baseline (same backbone from scratch). */
    finetuneEpochs: z.number().int().min(1).max(10_000),
    finetuneLr: z.number().positive(),
    /** The pretrained backbone learns at lr × this (the head at lr). */
    backboneLrScale: z.number().positive().max(1),
    /** ViT layer-wise lr decay: block i of D learns at scale^(D − i); 1 turns it off. */
    layerDecay: z.number().positive().max(1),
    supervisedLr: z.number().positive(),
    weightDecay: z.number().min(0),
    warmupEpochs: z.number().min(0),
    /** Stop when the validation macro AUROC has not improved for this many epochs (0: never). */
    patience: z.number().int().min(0),
    /** Random resized crop area range of the training views (flip and mild jitter as well). */
    cropScale: z.tuple([z.number().positive().max(1), z.number().positive().max(1)]),
    /** Upper bound of the positive-class weight neg/pos of rare labels. */
    maxPosWeight: z.number().min(1),
    /** Patient-bootstrap resamples for the confidence intervals. */
    bootstrap: z.number().int().min(0).max(100_000),
  })
  .strict();
export type DownstreamSettings = z.infer<typeof downstreamSettingsSchema>;

export const DOWNSTREAM_HINTS: Readonly<Record<keyof DownstreamSettings, string>> = Object.freeze({
  inputSize: 'Model input side in px; the pretraining global crop size unless set. Larger sees finer lesions, costs quadratically.',
  batch: 'Images per step for fine-tuning and the baseline; 32 fits wasm memory at 112 px.',
  linearEpochs: 'Passes of the linear probe over the frozen features (cheap: features are computed once).',
  linearLr: 'Linear-probe learning rate (AdamW); 1e-3 is a safe default for normalised features.',
  linearWeightDecay: 'L2 of the probe; raise it (1e-3–1e-2) when only a few dozen images are labelled.',
  finetuneEpochs: 'Epochs of fine-tuning and of the supervised baseline (the same budget for both).',
  finetuneLr: 'Head learning rate when fine-tuning; the backbone learns at lr × backboneLrScale.',
  backboneLrScale: '0.1: the pretrained features change slowly; 1 treats them like the head.',
  layerDecay: 'ViT layer-wise decay 0.65–0.75 protects early blocks; 1 turns it off (ResNet ignores it).',
  supervisedLr: 'Learning rate of the from-scratch baseline (every layer); higher than fine-tuning’s backbone lr.',
  weightDecay: 'AdamW decoupled weight decay (no decay on biases and norms).',
  warmupEpochs: 'Linear lr warm-up before the cosine decay.',
  patience: 'Early stopping on the validation macro AUROC; the best epoch is kept either way.',
  cropScale: 'Area range of the random crops; keep the lower end high (≥ 0.5) so that lesions stay in view.',
  maxPosWeight: 'Caps neg/pos of a rare biomarker in the loss so a handful of positives cannot dominate.',
  bootstrap: 'Resamples of patients for the 95 % intervals; 1000 is standard, 200 is quicker.',
});
