/**
 * The backbone of a run, as the Inspect tools look at it: a pretraining run's teacher (the
 * network DINO evaluates) at its end or at one of its kept checkpoints, or a downstream run's
 * selected classifier backbone. Weights always come from files under the project.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Tf } from '../engine/index.js';
import { armClassifierFile, buildBackbone, teacherWeightsFile, type ArmRunConfig } from '../finetune/arm-job.js';
import { classifierBackboneTensors } from '../finetune/classifier-state.js';
import type { Backbone } from '../models/backbone.js';
import type { PretrainRunConfig } from '../pretrain/pretrain-job.js';
import { readSafetensors, type SafetensorsTensor } from '../weights/safetensors.js';
import type { Project } from '../../project/project.js';
import { RunsRepository } from '../../project/runs.js';
import { InspectInputError } from './errors.js';
import { loadBackboneWeights } from '../weights/any-backbone.js';

export { InspectInputError };

export interface RunBackbone {
  backbone: Backbone;
  inputSize: number;
  /** e.g. "run 3 teacher at step 400". */
  description: string;
}

/** Checkpoint steps a pretraining run still has on disk (the Inspect view's "attention over training"). */
export function checkpointSteps(project: Project, runId: number): number[] {
  return (project.db.prepare("SELECT step, rel_path AS rel FROM checkpoints WHERE run_id = ? AND kind IN ('periodic', 'final') ORDER BY step").all(runId) as { step: number; rel: string }[])
    .filter((c) => existsSync(path.join(project.dir, c.rel)))
    .map((c) => c.step);
}

export async function loadRunBackbone(tf: Tf, project: Project, runId: number, checkpointStep?: number): Promise<RunBackbone> {
  const run = new RunsRepository(project.db).get(runId);
  if (!run) throw new InspectInputError(`No run ${runId} in this project.`);
  let tensors: ReadonlyMap<string, SafetensorsTensor>;
  let spec;
  let inputSize: number;
  let description: string;
  if (run.kind === 'pretrain') {
    const config = run.config as PretrainRunConfig;
    spec = config.backbone;
    inputSize = config.dino.globalCropSize;
    if (checkpointStep === undefined && run.status === 'completed') {
      tensors = readSafetensors(await readFile(teacherWeightsFile(project.dir, runId))).tensors;
      description = `run ${runId} teacher (final)`;
    } else {
      const steps = checkpointSteps(project, runId);
      const step = checkpointStep ?? steps.at(-1);
      const row = step === undefined ? undefined : (project.db.prepare('SELECT rel_path FROM checkpoints WHERE run_id = ? AND step = ? ORDER BY id DESC LIMIT 1').pluck().get(runId, step) as string | undefined);
      if (step === undefined || !row || !existsSync(path.join(project.dir, row))) {
        throw new InspectInputError(`Run ${runId} has no checkpoint${checkpointStep !== undefined ? ` at step ${checkpointStep}` : ''}; kept steps: ${steps.join(', ') || 'none'}.`);
      }
      // A training checkpoint holds student and teacher: the teacher's backbone is what DINO evaluates.
      const all = readSafetensors(await readFile(path.join(project.dir, row))).tensors;
      const strip = (prefix: string): [string, SafetensorsTensor][] => [...all].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]);
      tensors = new Map([...strip('teacher.backbone.'), ...strip('teacher.buffers.')]);
      description = `run ${runId} teacher at step ${step}`;
    }
  } else if ((run.config as ArmRunConfig | null)?.arm) {
    const config = run.config as ArmRunConfig;
    spec = config.backbone;
    inputSize = config.settings.inputSize;
    const file = armClassifierFile(project.dir, runId);
    if (!existsSync(file)) throw new InspectInputError(`Run ${runId} has no classifier yet (${run.status}).`);
    tensors = classifierBackboneTensors(readSafetensors(await readFile(file)).tensors);
    description = `run ${runId} ${config.arm} classifier backbone`;
  } else {
    throw new InspectInputError(`Run ${runId} is a ${run.kind} run: pick its pretraining or one of its arms.`);
  }
  const backbone = buildBackbone(tf, spec, run.seed);
  try {
    loadBackboneWeights(backbone, tensors);
  } catch (err) {
    backbone.dispose();
    throw err;
  }
  return { backbone, inputSize, description };
}
