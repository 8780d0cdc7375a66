/** Grad-CAM for one image of a run with a ResNet backbone: per label for a classifier, else on the feature norm. */
import { armClassifierFile, type ArmRunConfig } from '../finetune/arm-job.js';
import { loadClassifierState } from '../finetune/classifier-state.js';
import { LinearHead } from '../finetune/linear-head.js';
import { imagesToInput } from '../embed/extract.js';
import { loadEngine } from '../engine/index.js';
import { ResNet } from '../models/resnet.js';
import type { Project } from '../../project/project.js';
import { RunsRepository } from '../../project/runs.js';
import { InspectInputError } from './errors.js';
import { gradCam } from './grad-cam.js';
import { projectScan } from './inspect-image.js';
import { loadRunBackbone } from './run-backbone.js';

export interface GradCamResult {
  grid: [number, number];
  maps: { target: string; map: number[] }[];
  model: string;
  inputSize: number;
}

export async function gradCamForImage(project: Project, req: { runId: number; imageId: number }): Promise<GradCamResult> {
  const { tf } = await loadEngine();
  const scan = await projectScan(project, req.imageId);
  const { backbone, inputSize, description } = await loadRunBackbone(tf, project, req.runId);
  const run = new RunsRepository(project.db).get(req.runId)!;
  let head: LinearHead | null = null;
  const input = imagesToInput(tf, [scan], { inputSize });
  try {
    if (!(backbone instanceof ResNet)) throw new InspectInputError(`Run ${req.runId} has a ViT backbone: use its attention maps (Grad-CAM is for ResNets).`);
    const config = run.config as ArmRunConfig | null;
    const maps: GradCamResult['maps'] = [];
    let grid: [number, number] = [0, 0];
    if (config?.arm && config.arm !== 'dino_knn') {
      const labels = project.db.prepare('SELECT name FROM labels WHERE label_set_id = ? ORDER BY position').pluck().all(config.labelSetId) as string[];
      head = new LinearHead(tf, backbone.outDim, labels.length, 0);
      // The backbone came from this file already (loadRunBackbone): only the head is read here.
      await loadClassifierState(tf, { backbone: null, head }, armClassifierFile(project.dir, req.runId));
      for (const [l, name] of labels.entries()) {
        const cam = await gradCam(tf, backbone, input, (pooled) => tf.squeeze(tf.slice(head!.apply(pooled), [0, l], [1, 1])) as never);
        grid = cam.grid;
        maps.push({ target: name, map: Array.from(cam.map) });
      }
    } else {
      const cam = await gradCam(tf, backbone, input, (pooled) => tf.norm(pooled) as never);
      grid = cam.grid;
      maps.push({ target: 'feature norm', map: Array.from(cam.map) });
    }
    return { grid, maps, model: description, inputSize };
  } finally {
    input.dispose();
    head?.dispose();
    backbone.dispose();
  }
}
