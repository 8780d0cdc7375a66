import type { PretrainResult } from '../../ml/pretrain/pretrain-job.js';
import { pretrainParamsSchema } from '../../ml/pretrain/pretrain-params.js';
import { Project } from '../../project/project.js';
import { CliError } from '../cli-error.js';
import { printJson, type CliIo } from '../output.js';
import { option, parseCommand } from '../parse.js';
import { runJobFromCli } from '../run-job.js';

export const pretrainHelp = `Usage: octdino pretrain --project DIR [--arch vit_tiny|vit_small|resnet18] [--patch 8|16] [--epochs N]
         [--batch N] [--out-dim K] [--global-size N] [--local-size N] [--local-crops N] [--seed N]
         [--init FILE.safetensors] [--split ID] [--max-steps N] [--backend wasm|cpu|tensorflow|webgpu] [--json]
       octdino pretrain --project DIR --run ID [--max-steps N] [--json]     (resume a stopped run)
DINO self-supervised pretraining on the project's images (test patients of the split excluded).
Runs as a job: progress on stderr, Ctrl+C stops at a checkpoint, --run ID continues it.`;

const INTEGER_FLAGS = {
  patch: 'patch',
  epochs: 'epochs',
  batch: 'batch',
  'out-dim': 'outDim',
  'global-size': 'globalSize',
  'local-size': 'localSize',
  'local-crops': 'localCrops',
  seed: 'seed',
  split: 'splitId',
  run: 'runId',
  'max-steps': 'maxSteps',
  'checkpoint-every': 'checkpointEvery',
} as const;

function integer(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new CliError(`--${flag} must be an integer, got "${value}".`, 2);
  return n;
}

function formatResult(result: PretrainResult): string {
  const lines = [
    result.finished
      ? `Run ${result.runId} finished: ${result.steps} steps, ${result.epochsDone} epochs, final loss ${result.finalLoss?.toFixed(4) ?? '-'} on ${result.backend}.`
      : `Run ${result.runId} stopped at step ${result.steps} of ${result.totalSteps}; continue with --run ${result.runId}.`,
  ];
  if (result.secondsPerStep !== null) lines.push(`  ${result.secondsPerStep.toFixed(2)} s per step`);
  if (result.checkpoint) lines.push(`  checkpoint: ${result.checkpoint}`);
  if (result.backboneWeights) lines.push(`  teacher backbone (reference names): ${result.backboneWeights}`);
  return lines.join('\n');
}

export async function pretrainCommand(argv: string[], io: CliIo): Promise<void> {
  const { values } = parseCommand(argv, {
    project: option.string,
    arch: option.string,
    init: option.string,
    backend: option.string,
    json: option.boolean,
    ...Object.fromEntries(Object.keys(INTEGER_FLAGS).map((flag) => [flag, option.string])),
  });
  if (typeof values.project !== 'string') throw new CliError(`pretrain needs --project DIR.\n${pretrainHelp}`, 2);
  const raw: Record<string, unknown> = {};
  for (const [flag, key] of Object.entries(INTEGER_FLAGS)) {
    const value = (values as Record<string, string | boolean | undefined>)[flag];
    if (typeof value === 'string') raw[key] = integer(flag, value);
  }
  if (typeof values.arch === 'string') raw.arch = values.arch;
  if (typeof values.init === 'string') raw.init = values.init;
  if (typeof values.backend === 'string') raw.backend = values.backend;
  const parsed = pretrainParamsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new CliError(parsed.error.issues.map((i) => `--${String(i.path[0] ?? '')}: ${i.message}`).join('; '), 2);
  }
  const project = Project.open(values.project);
  try {
    const done = await runJobFromCli(project, 'pretrain', raw, io, 'Pretraining');
    const result = done.result as PretrainResult;
    if (values.json === true) printJson(io, { jobId: done.id, ...result });
    else io.out(formatResult(result));
  } finally {
    project.close();
  }
}
