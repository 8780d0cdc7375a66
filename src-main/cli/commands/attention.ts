import { writeFile } from 'node:fs/promises';
import { Project } from '../../project/project.js';
import { CliError } from '../cli-error.js';
import { integer } from '../downstream-options.js';
import { printJson, type CliIo } from '../output.js';
import { option, parseCommand } from '../parse.js';

export const attentionHelp = `Usage: octdino attention --project DIR --run ID (--image ID | --path FILE) [--checkpoint STEP]
         [--threshold 0.6] [--rollout] [--size N] [--opacity 0.5] [--colour-map inferno|viridis|jet] --out FILE.png [--json]
Where a ViT looks: the last block's attention from [CLS] to every patch, one panel per head and
their mean, over the B-scan at full resolution. --threshold keeps that share of each map's mass
(0.6 as in DINO's visualize_attention.py; 0 or 1 shows the whole map); --rollout multiplies the
attention of every block instead; --checkpoint picks a kept pretraining step (default: the end).
--json prints the raw maps (heads × patch grid) as well.`;

export async function attentionCommand(argv: string[], io: CliIo): Promise<void> {
  const { values } = parseCommand(argv, {
    project: option.string,
    run: option.string,
    image: option.string,
    path: option.string,
    checkpoint: option.string,
    threshold: option.string,
    rollout: option.boolean,
    size: option.string,
    opacity: option.string,
    'colour-map': option.string,
    out: option.string,
    json: option.boolean,
  });
  if (typeof values.project !== 'string' || values.run === undefined || values.out === undefined) throw new CliError(`attention needs --project, --run and --out.\n${attentionHelp}`, 2);
  if ((values.image === undefined) === (values.path === undefined)) throw new CliError('attention needs exactly one of --image ID and --path FILE.', 2);
  const threshold = values.threshold === undefined ? 0.6 : Number(values.threshold);
  if (!(threshold >= 0 && threshold <= 1)) throw new CliError(`--threshold must be in [0, 1], got "${values.threshold}".`, 2);
  const opacity = values.opacity === undefined ? 0.5 : Number(values.opacity);
  if (!(opacity >= 0 && opacity <= 1)) throw new CliError(`--opacity must be in [0, 1], got "${values.opacity}".`, 2);
  const colourMap = (values['colour-map'] ?? 'inferno') as 'inferno' | 'viridis' | 'jet';
  if (!['inferno', 'viridis', 'jet'].includes(colourMap)) throw new CliError(`--colour-map must be inferno, viridis or jet.`, 2);
  const project = Project.open(values.project);
  try {
    const { attentionForImage } = await import('../../ml/inspect/attention-service.js');
    const result = await attentionForImage(project, {
      runId: integer('run', values.run),
      ...(values.image !== undefined ? { imageId: integer('image', values.image) } : { path: values.path! }),
      ...(values.checkpoint !== undefined ? { checkpointStep: integer('checkpoint', values.checkpoint) } : {}),
      ...(values.size !== undefined ? { inputSize: integer('size', values.size) } : {}),
      rollout: values.rollout === true,
      overlay: { threshold: threshold > 0 && threshold < 1 ? threshold : null, opacity, colourMap },
    });
    await writeFile(values.out, result.png!);
    if (values.json) {
      printJson(io, { out: values.out, model: result.model, source: result.source, inputSize: result.inputSize, seconds: result.seconds, heads: result.maps.heads, grid: result.maps.grid, rollout: result.maps.rollout, maps: Array.from({ length: result.maps.heads }, (_, h) => Array.from(result.maps.maps.subarray(h * result.maps.grid[0] * result.maps.grid[1], (h + 1) * result.maps.grid[0] * result.maps.grid[1]))), mean: Array.from(result.maps.mean) });
    } else {
      io.out(`${result.maps.heads} heads on a ${result.maps.grid[0]}×${result.maps.grid[1]} patch grid (${result.model}, ${result.inputSize} px) → ${values.out} in ${result.seconds.toFixed(2)} s`);
    }
  } finally {
    project.close();
  }
}
