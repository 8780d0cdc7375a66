import { BACKEND_NAMES, type BackendName } from '../../ml/engine/index.js';
import { benchDinoStep } from '../../ml/bench/dino-step-bench.js';
import { CliError } from '../cli-error.js';
import { printJson, type CliIo } from '../output.js';
import { option, parseCommand } from '../parse.js';

export const benchHelp = `Usage: octdino bench dino-step --arch vit_tiny|vit_small|resnet18 --patch N --global-size N --local-size N
         --local-crops N --batch N --out-dim K [--steps N] [--micro-batch N] [--backend B] [--json]
Times full DINO training steps (student + teacher forward, loss, backward, optimizer, EMA) on random data.
--micro-batch N: images per forward/backward pass (gradients accumulated); default as in training.`;

function int(values: Record<string, unknown>, flag: string, fallback?: number): number {
  const raw = values[flag];
  if (raw === undefined) {
    if (fallback === undefined) throw new CliError(`bench dino-step needs --${flag}.\n${benchHelp}`, 2);
    return fallback;
  }
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) throw new CliError(`--${flag} must be a positive integer, got "${String(raw)}".`, 2);
  return n;
}

export async function benchCommand(argv: string[], io: CliIo): Promise<void> {
  const [what, ...rest] = argv;
  if (what !== 'dino-step') throw new CliError(`bench knows "dino-step", got "${what ?? ''}".\n${benchHelp}`, 2);
  const { values } = parseCommand(rest, {
    arch: option.string,
    patch: option.string,
    'global-size': option.string,
    'local-size': option.string,
    'local-crops': option.string,
    batch: option.string,
    'out-dim': option.string,
    steps: option.string,
    'micro-batch': option.string,
    backend: option.string,
    json: option.boolean,
  });
  const arch = values.arch ?? 'vit_tiny';
  if (arch !== 'vit_tiny' && arch !== 'vit_small' && arch !== 'resnet18') throw new CliError(`--arch must be vit_tiny, vit_small or resnet18, got "${arch}".`, 2);
  if (values.backend !== undefined && !(BACKEND_NAMES as readonly string[]).includes(values.backend)) {
    throw new CliError(`--backend must be one of ${BACKEND_NAMES.join(', ')}.`, 2);
  }
  const result = await benchDinoStep({
    backbone: { arch: arch as 'vit_tiny', patch: int(values, 'patch', 16) },
    globalSize: int(values, 'global-size'),
    localSize: int(values, 'local-size'),
    localCrops: int(values, 'local-crops'),
    batch: int(values, 'batch'),
    outDim: int(values, 'out-dim'),
    steps: int(values, 'steps', 3),
    ...(values['micro-batch'] !== undefined ? { microBatch: int(values, 'micro-batch') } : {}),
    ...(values.backend ? { backend: values.backend as BackendName } : {}),
  });
  if (values.json) {
    printJson(io, result);
    return;
  }
  io.out(
    `DINO step ${result.arch}, batch ${result.batch}, ${result.crops} on ${result.backend}: ` +
      `${result.stepSecondsMedian.toFixed(2)} s/step (median of ${result.steps}), ${result.imagesPerSec.toFixed(1)} images/s; ` +
      `augmentation ${(result.augmentSecondsMedian * 1000).toFixed(0)} ms/batch`,
  );
}
