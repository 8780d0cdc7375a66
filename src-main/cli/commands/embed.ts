import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { embedImages, type EmbedImageSource, type EmbedModelSource } from '../../ml/embed/embed.js';
import { Project } from '../../project/project.js';
import { CliError } from '../cli-error.js';
import type { CliIo } from '../output.js';
import { option, parseCommand } from '../parse.js';

export const embedHelp = `Usage: octdino embed (--project DIR --run ID | --weights FILE.safetensors --arch A --patch N)
         (--images DIR | --project DIR) [--mean M --std S] [--size N] --out FILE.json
Writes the CLS feature (after the final norm) of every image, with its file name or image id.
Images already at the model's input size are not resized.`;

function number(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new CliError(`--${flag} must be a number, got "${value}".`, 2);
  return n;
}

export async function embedCommand(argv: string[], io: CliIo): Promise<void> {
  const { values } = parseCommand(argv, {
    project: option.string,
    run: option.string,
    weights: option.string,
    arch: option.string,
    patch: option.string,
    images: option.string,
    mean: option.string,
    std: option.string,
    size: option.string,
    out: option.string,
  });
  if (!values.out) throw new CliError(`embed needs --out FILE.json.\n${embedHelp}`, 2);
  if ((values.run === undefined) === (values.weights === undefined)) throw new CliError(`embed needs either --project DIR --run ID or --weights FILE.\n${embedHelp}`, 2);
  if (values.run !== undefined && !values.project) throw new CliError('--run needs --project DIR.', 2);
  if (!values.images && !values.project) throw new CliError(`embed needs --images DIR or --project DIR.\n${embedHelp}`, 2);
  const project = values.project ? Project.open(values.project) : null;
  try {
    let model: EmbedModelSource;
    if (values.run !== undefined) {
      const runId = Number(values.run);
      if (!Number.isSafeInteger(runId) || runId <= 0) throw new CliError(`--run must be a run id, got "${values.run}".`, 2);
      model = { kind: 'run', project: project as Project, runId };
    } else {
      const arch = values.arch ?? 'vit_tiny';
      if (arch !== 'vit_tiny' && arch !== 'vit_small' && arch !== 'vit_custom') throw new CliError(`--arch must be vit_tiny, vit_small or vit_custom for --weights, got "${arch}".`, 2);
      model = { kind: 'file', file: path.resolve(values.weights as string), arch, patch: number('patch', values.patch) ?? 16 };
    }
    let images: EmbedImageSource;
    if (values.images) images = { kind: 'folder', dir: path.resolve(values.images) };
    else {
      const ids = (project as Project).db.prepare("SELECT id FROM images WHERE status = 'ok' ORDER BY id").pluck().all() as number[];
      images = { kind: 'project', project: project as Project, imageIds: ids };
    }
    const mean = number('mean', values.mean);
    const std = number('std', values.std);
    const inputSize = number('size', values.size);
    const result = await embedImages(model, images, {
      ...(mean !== undefined ? { mean } : {}),
      ...(std !== undefined ? { std } : {}),
      ...(inputSize !== undefined ? { inputSize } : {}),
    });
    mkdirSync(path.dirname(path.resolve(values.out)), { recursive: true });
    writeFileSync(values.out, JSON.stringify(result));
    io.out(`Wrote ${result.items.length} features of dimension ${result.dim} (input ${result.inputSize} px) to ${values.out}${result.failed.length ? `; ${result.failed.length} files failed (listed in the file)` : ''}.`);
  } finally {
    project?.close();
  }
}
