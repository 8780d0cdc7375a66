/**
 * THE API contract: one object of handlers. Every transport (Electron IPC, web mode, CLI)
 * calls through `dispatch`, which validates the input with the endpoint's schema first.
 * The client types are derived from this object (see types.ts), never written twice.
 */
import os from 'node:os';
import { z } from 'zod';
import { APP_NAME, APP_VERSION } from '../app/version.js';
import { JOB_KIND_NAMES } from '../jobs/job-kinds.js';
import { imageDetail, imageFacets, imageFilterSchema, queryImages } from '../project/images.js';
import { agreementByLabel } from '../annotate/agreement.js';
import { readEmbeddingMap } from '../ml/inspect/embedding-store.js';
import { createManualQueue, latestQueue } from '../annotate/queue/queue-store.js';
import { AnnotationsRepository, humanRatings } from '../project/annotations.js';
import { labelSetStats } from '../project/label-stats.js';
import { resultsReader } from '../project/results.js';
import { DINO_CONFIG_HINTS } from '../ml/dino/config.js';
import { ARM_NAMES, DOWNSTREAM_HINTS } from '../ml/finetune/downstream-config.js';
import { labelBudgetSchema } from '../ml/pipeline/pipeline-params.js';
import { PIPELINE_PRESETS, PRESET_NAMES, type PipelinePretrainSettings } from '../ml/pipeline/presets.js';
import { createPatientSplit, listSplits } from '../project/splits.js';
import { ApiError } from './errors.js';
import type { AppCore } from './core.js';
import { endpoint } from './define.js';

const none = z.object({}).strict();
const projectDir = z.string().trim().min(1, 'a folder path is required').max(4096);
const jobId = z.object({ id: z.number().int().positive() }).strict();
const runId = z.number().int().positive();
const annotationValue = z.enum(['present', 'absent', 'uncertain']);
const annotations = (core: AppCore): AnnotationsRepository => new AnnotationsRepository(core.requireProject().project.db);

/**
 * A one-line hint per pipeline pretraining setting: DINO's own hint where the setting is a DINO
 * field (under its name there), and a short one for the settings DINO's config does not have.
 */
const PIPELINE_PRETRAIN_HINTS: Readonly<Record<keyof PipelinePretrainSettings, string>> = Object.freeze({
  arch: 'Backbone: vit_tiny for CPUs, vit_small for the paper, resnet18 as a convolutional alternative.',
  patch: 'ViT patch size in px: 16 as in the paper; 8 sees finer detail at 4x the cost.',
  custom: 'Shape of a vit_custom backbone as JSON, e.g. {"embedDim": 192, "depth": 12, "numHeads": 3}; other backbones ignore it.',
  resnetWidths: 'Channel widths of the four resnet18 stages, e.g. 64, 128, 256, 512 (the standard ones when empty).',
  epochs: DINO_CONFIG_HINTS.epochs,
  batch: DINO_CONFIG_HINTS.batchSize,
  outDim: DINO_CONFIG_HINTS.outDim,
  globalSize: DINO_CONFIG_HINTS.globalCropSize,
  localSize: DINO_CONFIG_HINTS.localCropSize,
  localCrops: DINO_CONFIG_HINTS.localCropsNumber,
  headHiddenDim: DINO_CONFIG_HINTS.headHiddenDim,
  headBottleneckDim: DINO_CONFIG_HINTS.headBottleneckDim,
  warmupEpochs: DINO_CONFIG_HINTS.warmupEpochs,
  lr: DINO_CONFIG_HINTS.lr,
  teacherTemp: DINO_CONFIG_HINTS.teacherTemp,
  warmupTeacherTempEpochs: DINO_CONFIG_HINTS.warmupTeacherTempEpochs,
  momentumTeacher: DINO_CONFIG_HINTS.momentumTeacher,
  dropPath: DINO_CONFIG_HINTS.dropPathRate,
  checkpointEvery: 'Save a checkpoint every this many steps (a crash resumes from the last one).',
});

function found<T>(value: T | null, what: string): T {
  if (value === null) throw new ApiError('not_found', `No ${what}.`);
  return value;
}

/** An export's input problems (no such run, not finished yet) reach the user as such, not as internal errors. */
async function exportErrors<T>(run: () => Promise<T>): Promise<T> {
  const { ExportError } = await import('../export/index.js');
  try {
    return await run();
  } catch (err) {
    if (err instanceof ExportError) throw new ApiError(err.code === 'not_found' ? 'not_found' : 'invalid_input', err.message);
    throw err;
  }
}

export const api = {
  'app.info': endpoint(none, (core) => ({
    name: APP_NAME,
    version: APP_VERSION,
    appHome: core.options.appHome,
    platform: `${os.platform()} ${os.arch()}`,
    node: process.versions.node,
  })),

  'engine.info': endpoint(none, async () => {
    const { detectEngine } = await import('../ml/engine/index.js');
    return detectEngine();
  }),

  'projects.current': endpoint(none, (core) => core.summary()),
  'projects.recent': endpoint(none, (core) => core.recent.list()),
  'projects.create': endpoint(z.object({ dir: projectDir, name: z.string().max(200).optional() }).strict(), (core, input) =>
    core.createProject(input.dir, input.name),
  ),
  'projects.open': endpoint(z.object({ dir: projectDir }).strict(), (core, input) => core.openProject(input.dir)),
  'projects.openDemo': endpoint(none, (core) => core.openDemoProject()),
  'projects.close': endpoint(none, (core) => {
    core.closeProject();
    return null;
  }),

  'jobs.list': endpoint(z.object({ limit: z.number().int().min(1).max(500).optional() }).strict(), (core, input) =>
    core.requireProject().jobs.list(input.limit),
  ),
  'jobs.start': endpoint(z.object({ kind: z.enum(JOB_KIND_NAMES), params: z.record(z.string(), z.unknown()).optional() }).strict(), (core, input) =>
    core.requireProject().jobs.start(input.kind, input.params ?? {}),
  ),
  'jobs.cancel': endpoint(jobId, (core, input) => core.requireProject().jobs.cancel(input.id)),
  'jobs.resume': endpoint(jobId, (core, input) => core.requireProject().jobs.resume(input.id)),

  'images.query': endpoint(
    z
      .object({
        filter: imageFilterSchema.default({}),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1000).default(100),
      })
      .strict(),
    (core, input) => queryImages(core.requireProject().project.db, input.filter, input.offset, input.limit),
  ),
  'images.get': endpoint(z.object({ id: z.number().int().positive() }).strict(), (core, input) => {
    const detail = imageDetail(core.requireProject().project.db, input.id);
    if (!detail) throw new ApiError('not_found', `No image ${input.id}.`);
    return detail;
  }),
  'images.facets': endpoint(none, (core) => imageFacets(core.requireProject().project.db)),

  'runs.list': endpoint(z.object({ limit: z.number().int().min(1).max(1000).default(200) }).strict(), (core, input) =>
    resultsReader(core.requireProject().project.db).listRuns(input.limit),
  ),
  'runs.get': endpoint(z.object({ id: runId }).strict(), (core, input) => found(resultsReader(core.requireProject().project.db).runDetail(input.id), `run ${input.id}`)),
  'runs.metrics': endpoint(
    z.object({ id: runId, names: z.array(z.string().min(1).max(200)).max(50).optional() }).strict(),
    (core, input) => resultsReader(core.requireProject().project.db).runMetrics(input.id, input.names),
  ),
  'results.comparison': endpoint(
    z.object({ runId, budget: labelBudgetSchema.optional(), seed: z.number().int().min(0).optional() }).strict(),
    (core, input) => found(resultsReader(core.requireProject().project.db).comparison(input.runId, input), `run ${input.runId}`),
  ),
  'results.efficiency': endpoint(z.object({ runId }).strict(), (core, input) =>
    found(resultsReader(core.requireProject().project.db).efficiencyCurve(input.runId), `run ${input.runId}`),
  ),
  'results.predictions': endpoint(
    z
      .object({
        evaluationId: z.number().int().positive(),
        label: z.number().int().positive().optional(),
        sort: z.enum(['confidence_desc', 'confidence_asc', 'most_wrong']).default('confidence_desc'),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(500).default(50),
      })
      .strict(),
    (core, input) => found(resultsReader(core.requireProject().project.db).predictions(input.evaluationId, input), `evaluation ${input.evaluationId}`),
  ),
  /** A report of a pipeline or of chosen runs (HTML, or PDF by headless Chromium), written into the project's reports/ folder. */
  'reports.create': endpoint(
    z
      .object({ pipelineId: runId.optional(), runIds: z.array(runId).min(1).max(200).optional(), format: z.enum(['html', 'pdf']).default('html') })
      .strict()
      .refine((r) => (r.pipelineId === undefined) !== (r.runIds === undefined), 'give either pipelineId or runIds'),
    async (core, input) => {
      const { reportIntoProject } = await import('../report/create-report.js');
      return reportIntoProject(core.requireProject().project, input);
    },
  ),
  /** Files already written into the project's reports/ and exports/ folders, newest first. */
  'exports.list': endpoint(none, async (core) => {
    const { listExports } = await import('../export/index.js');
    return listExports(core.requireProject().project.dir);
  }),
  /** Test predictions of a run (a pipeline: all its arms) as CSV in exports/. */
  'exports.predictions': endpoint(z.object({ runId }).strict(), async (core, input) => {
    const { exportPredictions } = await import('../export/index.js');
    return exportErrors(() => exportPredictions(core.requireProject().project, input.runId));
  }),
  /** Test metrics with 95 % intervals per arm and label as CSV in exports/. */
  'exports.metrics': endpoint(z.object({ runId }).strict(), async (core, input) => {
    const { exportMetrics } = await import('../export/index.js');
    return exportErrors(() => exportMetrics(core.requireProject().project, input.runId));
  }),
  /** A label set as CSV: the effective labels, or one annotator's. */
  'exports.labels': endpoint(z.object({ labelSetId: z.number().int().positive(), annotatorId: z.number().int().positive().optional() }).strict(), async (core, input) => {
    const { exportLabels } = await import('../export/index.js');
    return exportErrors(() => exportLabels(core.requireProject().project, input));
  }),
  /** A downstream run's classifier as a TensorFlow.js model folder in exports/. */
  'exports.classifier': endpoint(z.object({ runId }).strict(), async (core, input) => {
    const { exportClassifier } = await import('../export/index.js');
    return exportErrors(() => exportClassifier(core.requireProject().project, input.runId));
  }),
  /** A pretraining's or downstream run's backbone as safetensors in exports/. */
  'exports.backbone': endpoint(z.object({ runId }).strict(), async (core, input) => {
    const { exportBackbone } = await import('../export/index.js');
    return exportErrors(() => exportBackbone(core.requireProject().project, input.runId));
  }),
  /** The project as one .zip another researcher can unpack and open (source images not included). */
  'exports.archive': endpoint(z.object({ withCheckpoints: z.boolean().default(false) }).strict(), async (core, input) => {
    const { exportProjectArchive } = await import('../export/index.js');
    return exportErrors(() => exportProjectArchive(core.requireProject().project, { withCheckpoints: input.withCheckpoints }));
  }),
  /** The one-click pipeline's presets, every setting with its hint, for the Train view's form. */
  'pipeline.presets': endpoint(none, () => ({
    presetNames: PRESET_NAMES,
    presets: PIPELINE_PRESETS,
    arms: ARM_NAMES,
    pretrainHints: PIPELINE_PRETRAIN_HINTS,
    downstreamHints: DOWNSTREAM_HINTS,
  })),

  /** Kept checkpoint steps of a pretraining run (attention over training). */
  'inspect.checkpoints': endpoint(z.object({ runId }).strict(), async (core, input) => {
    const { checkpointSteps } = await import('../ml/inspect/run-backbone.js');
    return checkpointSteps(core.requireProject().project, input.runId);
  }),
  /** A ViT's [CLS] attention over one image: per head and mean on the patch grid (the view draws the overlay). */
  'inspect.attention': endpoint(
    z
      .object({
        runId,
        imageId: z.number().int().positive(),
        checkpointStep: z.number().int().min(0).optional(),
        rollout: z.boolean().default(false),
        inputSize: z.number().int().min(16).max(1024).optional(),
      })
      .strict(),
    async (core, input) => {
      // Model code loads on first use only: the API process stays light until someone inspects.
      const { attentionForImage } = await import('../ml/inspect/attention-service.js');
      const r = await attentionForImage(core.requireProject().project, {
        runId: input.runId,
        imageId: input.imageId,
        rollout: input.rollout,
        overlay: null,
        ...(input.checkpointStep !== undefined ? { checkpointStep: input.checkpointStep } : {}),
        ...(input.inputSize !== undefined ? { inputSize: input.inputSize } : {}),
      });
      const cells = r.maps.grid[0] * r.maps.grid[1];
      return {
        heads: r.maps.heads,
        grid: r.maps.grid,
        rollout: r.maps.rollout,
        maps: Array.from({ length: r.maps.heads }, (_, h) => Array.from(r.maps.maps.subarray(h * cells, (h + 1) * cells))),
        mean: Array.from(r.maps.mean),
        model: r.model,
        inputSize: r.inputSize,
        seconds: r.seconds,
      };
    },
  ),
  /** Grad-CAM of a ResNet run for one image: per label for a classifier, on the feature norm for a pretrained backbone. */
  'inspect.gradCam': endpoint(z.object({ runId, imageId: z.number().int().positive() }).strict(), async (core, input) => {
    const { gradCamForImage } = await import('../ml/inspect/grad-cam-service.js');
    return gradCamForImage(core.requireProject().project, input);
  }),
  /** Patch features of a few images as colours (first three principal components across them). */
  'inspect.patchColours': endpoint(z.object({ runId, imageIds: z.array(z.number().int().positive()).min(1).max(8) }).strict(), async (core, input) => {
    const { patchColoursForImages } = await import('../ml/inspect/attention-service.js');
    return patchColoursForImages(core.requireProject().project, input);
  }),
  /** The stored 2-D map of a run's image features (made by the inspect.embedding job), as columns. */
  'inspect.embeddingMap': endpoint(
    z.object({ runId, method: z.enum(['pca', 'umap']).default('pca'), labelSetId: z.number().int().positive().optional() }).strict(),
    (core, input) => readEmbeddingMap(core.requireProject().project, input.runId, input.method, input.labelSetId),
  ),
  'labels.stats': endpoint(none, (core) => labelSetStats(core.requireProject().project.db)),
  'labelSets.list': endpoint(none, (core) => annotations(core).labelSets()),
  'labelSets.create': endpoint(
    z.object({ name: z.string().trim().min(1).max(200), kind: z.enum(['multi_label', 'single_label']), description: z.string().max(2000).optional(), labels: z.array(z.string().trim().min(1).max(200)).min(1).max(200) }).strict(),
    (core, input) => annotations(core).createLabelSet(input),
  ),
  'labelSets.addOlivesPreset': endpoint(none, (core) => annotations(core).addOlivesPreset()),
  'labelSets.update': endpoint(
    z
      .object({
        id: z.number().int().positive(),
        name: z.string().trim().min(1).max(200).optional(),
        labels: z.array(z.object({ id: z.number().int().positive().optional(), name: z.string().trim().min(1).max(200), shortName: z.string().max(20).nullable().optional() }).strict()).min(1).max(200),
        removeAnnotated: z.boolean().optional(),
      })
      .strict(),
    (core, input) => annotations(core).updateLabelSet(input.id, input),
  ),
  'labelSets.delete': endpoint(z.object({ id: z.number().int().positive(), removeAnnotated: z.boolean().optional() }).strict(), (core, input) => {
    annotations(core).deleteLabelSet(input.id, input);
    return null;
  }),
  'annotators.list': endpoint(none, (core) => annotations(core).annotators()),
  'annotators.ensure': endpoint(z.object({ name: z.string().trim().min(1).max(100) }).strict(), (core, input) => annotations(core).ensureAnnotator(input.name)),
  'annotations.image': endpoint(
    z.object({ imageId: z.number().int().positive(), labelSetId: z.number().int().positive(), annotatorId: z.number().int().positive().nullable() }).strict(),
    (core, input) => annotations(core).imageLabels(input.imageId, input.labelSetId, input.annotatorId),
  ),
  /** One label of one image, written at once; returns what it replaced (the client's undo). */
  'annotations.set': endpoint(
    z.object({ imageId: z.number().int().positive(), labelId: z.number().int().positive(), annotatorId: z.number().int().positive(), value: annotationValue.nullable(), adjudicate: z.boolean().optional() }).strict(),
    (core, input) => annotations(core).set(input),
  ),
  'annotations.setMany': endpoint(
    z.object({ imageIds: z.array(z.number().int().positive()).min(1).max(100_000), labelId: z.number().int().positive(), annotatorId: z.number().int().positive(), value: annotationValue.nullable() }).strict(),
    (core, input) => annotations(core).setMany(input),
  ),
  /** Undo: writes back the values a set/setMany replaced. */
  'annotations.revert': endpoint(
    z.object({ changes: z.array(z.object({ imageId: z.number().int().positive(), labelId: z.number().int().positive(), annotatorId: z.number().int().positive(), previous: annotationValue.nullable(), value: annotationValue.nullable() }).strict()).min(1).max(100_000) }).strict(),
    (core, input) => {
      annotations(core).revert(input.changes);
      return null;
    },
  ),
  'annotations.addTime': endpoint(
    z.object({ imageId: z.number().int().positive(), annotatorId: z.number().int().positive(), labelSetId: z.number().int().positive(), seconds: z.number().min(0).max(86_400) }).strict(),
    (core, input) => annotations(core).addTime(input.imageId, input.annotatorId, input.labelSetId, input.seconds),
  ),
  /** Per label: Cohen's kappa for each pair of annotators, Fleiss' for three or more, and the disagreements. */
  'annotations.agreement': endpoint(z.object({ labelSetId: z.number().int().positive() }).strict(), (core, input) => {
    const db = core.requireProject().project.db;
    const set = annotations(core).labelSet(input.labelSetId);
    const byLabel = new Map(agreementByLabel(humanRatings(db, input.labelSetId)).map((a) => [a.label, a]));
    return set.labels.map((l) => byLabel.get(l.name) ?? { label: l.name, annotators: [], pairs: [], group: null, disagreements: [] });
  }),
  /** The newest "what to label next" queue of a label set (made by the annotate.queue job). */
  /** A queue of hand-picked images (e.g. a selection on the embedding map) for the Annotate view to follow. */
  'annotations.queueManual': endpoint(
    z.object({ labelSetId: z.number().int().positive(), imageIds: z.array(z.number().int().positive()).min(1).max(100_000), reason: z.string().trim().min(1).max(300).default('chosen by hand') }).strict(),
    (core, input) => {
      try {
        return createManualQueue(core.requireProject().project.db, input);
      } catch (err) {
        throw new ApiError('invalid_input', (err as Error).message);
      }
    },
  ),
  'annotations.queue': endpoint(z.object({ labelSetId: z.number().int().positive() }).strict(), (core, input) => latestQueue(core.requireProject().project.db, input.labelSetId)),
  'annotations.resolution': endpoint(z.object({ labelSetId: z.number().int().positive() }).strict(), (core, input) => annotations(core).resolution(input.labelSetId)),

  'splits.list': endpoint(none, (core) => listSplits(core.requireProject().project.db)),
  'splits.create': endpoint(
    z
      .object({
        name: z.string().trim().min(1).max(200),
        seed: z.number().int().default(0),
        val: z.number().min(0).max(0.9).default(0.15),
        test: z.number().min(0).max(0.9).default(0.15),
        labelSetId: z.number().int().positive().nullable().default(null),
      })
      .strict()
      .refine((s) => s.val + s.test < 1, 'val + test must leave patients for training'),
    (core, input) =>
      createPatientSplit(core.requireProject().project.db, {
        name: input.name,
        seed: input.seed,
        fractions: { train: 1 - input.val - input.test, val: input.val, test: input.test },
        labelSetId: input.labelSetId,
      }),
  ),
};

export type Api = typeof api;
