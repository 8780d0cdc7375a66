/**
 * `octdino` — the command-line way into the core, for scripts and headless machines.
 * Human-readable output by default, `--json` for machines, and on any failure a non-zero exit
 * with a one-line reason.
 */
import { toApiError } from '../api/errors.js';
import { APP_NAME, APP_VERSION } from '../app/version.js';
import { CliError } from './cli-error.js';
import { attentionCommand, attentionHelp } from './commands/attention.js';
import { benchCommand, benchHelp } from './commands/bench.js';
import { embedCommand, embedHelp } from './commands/embed.js';
import { engineCommand, engineHelp } from './commands/engine.js';
import { evaluateCommand, evaluateHelp } from './commands/evaluate.js';
import { exportCommand, exportHelp } from './commands/export.js';
import { finetuneCommand, finetuneHelp } from './commands/finetune.js';
import { importCommand, importHelp } from './commands/import.js';
import { initCommand, initHelp } from './commands/init.js';
import { labelsCommand, labelsHelp } from './commands/labels.js';
import { pipelineCommand, pipelineHelp } from './commands/pipeline.js';
import { pretrainCommand, pretrainHelp } from './commands/pretrain.js';
import { reportCommand, reportHelp } from './commands/report.js';
import { serveCommand, serveHelp } from './commands/serve.js';
import { splitCommand, splitHelp } from './commands/split.js';
import { statusCommand, statusHelp } from './commands/status.js';
import { processIo, type CliIo } from './output.js';

interface Command {
  summary: string;
  help: string;
  run(argv: string[], io: CliIo): void | Promise<void>;
}

const COMMANDS: Record<string, Command> = {
  init: { summary: 'create a project folder', help: initHelp, run: initCommand },
  status: { summary: "show a project's contents and jobs", help: statusHelp, run: statusCommand },
  import: { summary: 'import OLIVES, image folders or DICOM OCT into a project', help: importHelp, run: importCommand },
  labels: { summary: 'export or import labels as a table (one row per image)', help: labelsHelp, run: labelsCommand },
  split: { summary: 'split patients into train/val/test', help: splitHelp, run: splitCommand },
  pretrain: { summary: 'DINO self-supervised pretraining (resumable job)', help: pretrainHelp, run: pretrainCommand },
  pipeline: { summary: 'one click: pretrain, fine-tune, baseline, evaluate (or a label-efficiency sweep)', help: pipelineHelp, run: pipelineCommand },
  finetune: { summary: 'one downstream arm (k-NN, linear probe, fine-tuning, supervised) at a label budget', help: finetuneHelp, run: finetuneCommand },
  evaluate: { summary: "score a finished downstream run again on its test split", help: evaluateHelp, run: evaluateCommand },
  export: { summary: 'export predictions (CSV), a classifier (TensorFlow.js) or a backbone (safetensors)', help: exportHelp, run: exportCommand },
  report: { summary: "a pipeline's (or runs') report as one self-contained HTML file or PDF", help: reportHelp, run: reportCommand },
  attention: { summary: "draw a ViT's attention over a B-scan (per head and mean, thresholded, or rollout)", help: attentionHelp, run: attentionCommand },
  serve: { summary: 'serve the app in a browser (web mode)', help: serveHelp, run: serveCommand },
  embed: { summary: "write the CLS features of images from a run's or a file's backbone", help: embedHelp, run: embedCommand },
  bench: { summary: 'time DINO training steps on this machine (bench dino-step)', help: benchHelp, run: benchCommand },
  engine: { summary: 'show the compute engine (TensorFlow.js backend and device)', help: engineHelp, run: engineCommand },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(8)} ${command.summary}`);
  return `${APP_NAME} ${APP_VERSION}\n\nUsage: octdino <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun "octdino <command> --help" for a command's options.`;
}

/** Runs one CLI invocation and returns its exit code (never calls process.exit itself). */
export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    io.out(APP_VERSION);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`octdino: unknown command "${name}". Run "octdino --help" for the list.`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.help);
    return 0;
  }
  try {
    await command.run(rest, io);
    return 0;
  } catch (err) {
    if (err instanceof CliError) {
      io.err(`octdino ${name}: ${err.message}`);
      return err.exitCode;
    }
    const apiError = toApiError(err);
    // One line for the user; a stack only for genuine bugs.
    io.err(`octdino ${name}: ${apiError.message}`);
    if (apiError.code === 'internal' && err instanceof Error && err.stack) io.err(err.stack);
    return 1;
  }
}
