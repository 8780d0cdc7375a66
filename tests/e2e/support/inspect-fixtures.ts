/**
 * A project for the Inspect end-to-end test, made the way a user would make one: the demo
 * data (6 patients × 5 slices), a tiny ViT pretraining (2 blocks, 2 heads, 8-px patches on
 * 32-px crops, one epoch, a checkpoint every step) and its PCA embedding map, and a tiny
 * supervised ResNet classifier (channel widths 4–16 on 64-px inputs, so a 2 × 2 Grad-CAM grid;
 * one epoch on a patient split: a few seconds) for Grad-CAM, all through the real job runner
 * before the server starts (~10–20 s on a CPU). UMAP is left to compute in the UI.
 */
import { Project } from '../../../src-main/project/project.js';
import { JobRunner } from '../../../src-main/jobs/job-runner.js';
import { createPatientSplit } from '../../../src-main/project/splits.js';
import type { PretrainResult } from '../../../src-main/ml/pretrain/pretrain-job.js';

/** A 2-block, 2-head ViT with 8-px patches on 32-px crops: one epoch of the demo data trains in seconds. */
export const TINY_PRETRAIN = {
  arch: 'vit_custom',
  custom: { embedDim: 32, depth: 2, numHeads: 2 },
  patch: 8,
  epochs: 1,
  batch: 8,
  outDim: 64,
  headHiddenDim: 32,
  headBottleneckDim: 16,
  globalSize: 32,
  localSize: 16,
  localCrops: 1,
  warmupEpochs: 0,
  checkpointEvery: 1,
  backend: 'wasm',
} as const;

export interface InspectProject {
  dir: string;
  runId: number;
  /** The supervised ResNet classifier of the demo biomarkers. */
  resnetRunId: number;
  imageIds: number[];
  checkpoints: number;
}

export async function createInspectProject(dir: string): Promise<InspectProject> {
  const project = Project.create(dir, 'Inspect e2e');
  const runner = new JobRunner(project);
  try {
    const wait = async (kind: string, params: Record<string, unknown>) => {
      const job = await runner.waitFor(runner.start(kind, params).id);
      if (job.status !== 'completed') throw new Error(`${kind} ${job.status}: ${JSON.stringify(job.error)}`);
      return job;
    };
    await wait('demo.generate', { patients: 6, eyesPerPatient: 1, visitsPerEye: 1, slicesPerVolume: 5, width: 160, height: 124 });
    const pretrain = await wait('pretrain', TINY_PRETRAIN);
    const runId = (pretrain.result as PretrainResult).runId;
    await wait('inspect.embedding', { runId, method: 'pca', backend: 'wasm' });
    createPatientSplit(project.db, { name: 'split', seed: 1, fractions: { train: 0.5, val: 0.25, test: 0.25 } });
    const cnn = await wait('finetune', { arm: 'supervised', arch: 'resnet18', resnetWidths: [4, 8, 8, 16], labelSet: 'Demo biomarkers', backend: 'wasm', downstream: { inputSize: 64, batch: 8, finetuneEpochs: 1, warmupEpochs: 0, patience: 0, bootstrap: 10 } });
    const resnetRunId = (cnn.result as { runId: number }).runId;
    const imageIds = project.db.prepare('SELECT id FROM images ORDER BY id').pluck().all() as number[];
    const checkpoints = project.db.prepare("SELECT count(*) FROM checkpoints WHERE run_id = ? AND kind IN ('periodic', 'final')").pluck().get(runId) as number;
    return { dir, runId, resnetRunId, imageIds, checkpoints };
  } finally {
    runner.shutdown();
    project.close();
  }
}
