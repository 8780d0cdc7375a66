import path from 'node:path';
import { ExportError, exportBackbone, exportClassifier, exportMetrics, exportPredictions, exportProjectArchive, type RunExportResult } from '../../export/index.js';
import { Project } from '../../project/project.js';
import { CliError } from '../cli-error.js';
import { integer } from '../downstream-options.js';
import { printJson, type CliIo } from '../output.js';
import { option, parseCommand } from '../parse.js';

export const exportHelp = `Usage: octdino export predictions --project DIR --run ID --out FILE.csv [--json]
       octdino export metrics     --project DIR --run ID --out FILE.csv [--json]
       octdino export classifier  --project DIR --run ID --out DIR [--json]
       octdino export backbone    --project DIR --run ID --out FILE.safetensors [--json]
       octdino export archive     --project DIR --out FILE.zip [--with-checkpoints] [--json]
predictions: test-split predictions, one row per image and label:
  image_id,path,patient,split,label,truth,probability  (a pipeline run adds arm,run_id).
metrics:     test metrics per arm and label with 95 % bootstrap intervals:
  run_id,arm,labelled_images,labelled_patients,seed,label,metric,value,ci_low,ci_high
classifier:  a downstream run's selected model as a TensorFlow.js model folder (model.json + weights.bin).
backbone:    the backbone of a pretraining or downstream run as safetensors with the reference
             (PyTorch) parameter names.
archive:     the project for another researcher: a consistent copy of project.sqlite, reports/,
             checkpoints/ with --with-checkpoints, and a README.txt. The source images are not
             included (their paths are kept). Unpack it and open the folder as a project.`;

const RUN_EXPORTS = { predictions: exportPredictions, metrics: exportMetrics, classifier: exportClassifier, backbone: exportBackbone } as const;

export async function exportCommand(argv: string[], io: CliIo): Promise<void> {
  const [what, ...rest] = argv;
  const { values } = parseCommand(rest, { project: option.string, run: option.string, out: option.string, json: option.boolean, 'with-checkpoints': option.boolean });
  if (what !== 'archive' && !(what !== undefined && Object.hasOwn(RUN_EXPORTS, what))) throw new CliError(`export needs predictions, metrics, classifier, backbone or archive.\n${exportHelp}`, 2);
  if (typeof values.project !== 'string' || values.out === undefined || (what !== 'archive' && values.run === undefined)) {
    throw new CliError(`export ${what} needs --project DIR${what === 'archive' ? '' : ', --run ID'} and --out.\n${exportHelp}`, 2);
  }
  const out = path.resolve(values.out);
  const project = Project.open(values.project);
  try {
    let report: Record<string, unknown>;
    if (what === 'archive') {
      const r = await exportProjectArchive(project, { out, withCheckpoints: values['with-checkpoints'] === true });
      report = { archive: r.path, bytes: r.bytes, entries: r.entries, images: r.images };
    } else {
      const runId = integer('run', values.run!);
      const r = await RUN_EXPORTS[what as keyof typeof RUN_EXPORTS](project, runId, out);
      report = { run: runId, ...cliReport(what as keyof typeof RUN_EXPORTS, r) };
    }
    if (values.json === true) printJson(io, report);
    else io.out(Object.entries(report).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join('\n'));
  } catch (err) {
    if (err instanceof ExportError) throw new CliError(err.message);
    throw err;
  } finally {
    project.close();
  }
}

/** The CLI's long-standing --json fields for each export. */
function cliReport(what: keyof typeof RUN_EXPORTS, r: RunExportResult): Record<string, unknown> {
  switch (what) {
    case 'predictions':
      return { predictions: r.path, rows: r.count };
    case 'metrics':
      return { metrics: r.path, runs: r.count };
    case 'classifier': {
      const file = (name: string): string | undefined => r.files.find((f) => path.basename(f.path) === name)?.path;
      return { classifier: r.path, modelJson: file('model.json'), weights: file('weights.bin'), tensors: r.count, note: r.note };
    }
    case 'backbone':
      return { backbone: r.path, ...(r.summary.startsWith('DINO teacher') ? { source: 'DINO teacher' } : { tensors: r.count }) };
  }
}
