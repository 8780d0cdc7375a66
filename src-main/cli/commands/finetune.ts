import type { ArmResult } from '../../ml/finetune/arm-job.js';
import { finetuneParamsSchema } from '../../ml/finetune/finetune-params.js';
import { Project } from '../../project/project.js';
import { CliError } from '../cli-error.js';
import { integer, parseLabelBudget, parseOverrides } from '../downstream-options.js';
import { printJson, type CliIo } from '../output.js';
import { option, parseCommand } from '../parse.js';
import { runJobFromCli } from '../run-job.js';
import { zodIssues } from './pipeline.js';

export const finetuneHelp = `Usage: octdino finetune --project DIR --arm dino_linear|dino_finetune|supervised|dino_knn
         (--pretrain-run ID | --weights FILE.safetensors --arch A [--patch N] | --arch A for supervised)
         [--label-set NAME] [--labels FRACTION|COUNT] [--seed N] [--split ID] [--preset quick|standard|full]
         [--set downstream.KEY=VALUE]... [--backend B] [--json]
       octdino finetune --project DIR --run ID [--json]     (resume a stopped arm)
One downstream arm at one label budget: trains on the budget's training images, selects the
model on validation, evaluates once on the test split (95 % patient-bootstrap intervals).`;

export function formatArm(result: ArmResult): string {
  const t = result.test;
  const lines = [
    `Run ${result.runId} (${result.arm}) on ${result.backend}: ${result.budget.images} labelled training images of ${result.budget.patients} patients.`,
    `  test macro AUROC ${t.macroAuroc?.toFixed(3) ?? '-'}${t.ci.macroAuroc ? ` [${t.ci.macroAuroc[0].toFixed(3)}, ${t.ci.macroAuroc[1].toFixed(3)}]` : ''} over ${t.images} images of ${t.patients} patients`,
  ];
  for (const l of t.perLabel) {
    lines.push(`  ${l.label.padEnd(20)} AUROC ${l.auroc?.toFixed(3) ?? '-'}  AUPRC ${l.auprc?.toFixed(3) ?? '-'}  F1 ${l.f1.toFixed(3)}  sens ${l.sensitivity.toFixed(3)}  spec ${l.specificity.toFixed(3)}  prevalence ${l.prevalence.toFixed(3)}`);
  }
  for (const w of result.warnings) lines.push(`  warning: ${w}`);
  return lines.join('\n');
}

export async function finetuneCommand(argv: string[], io: CliIo): Promise<void> {
  const { values } = parseCommand(argv, {
    project: option.string,
    arm: option.string,
    'pretrain-run': option.string,
    weights: option.string,
    arch: option.string,
    patch: option.string,
    'label-set': option.string,
    labels: option.string,
    seed: option.string,
    split: option.string,
    preset: option.string,
    run: option.string,
    set: { type: 'string', multiple: true },
    backend: option.string,
    json: option.boolean,
  });
  if (typeof values.project !== 'string') throw new CliError(`finetune needs --project DIR.\n${finetuneHelp}`, 2);
  const project = Project.open(values.project);
  try {
    const raw: Record<string, unknown> = { downstream: parseOverrides(values.set === undefined ? [] : ([] as string[]).concat(values.set), ['downstream']).downstream };
    if (values.run !== undefined) {
      raw.runId = integer('run', values.run);
      const kind = project.db.prepare('SELECT config_json FROM runs WHERE id = ?').pluck().get(raw.runId) as string | undefined;
      if (kind === undefined) throw new CliError(`No run ${values.run} in this project.`);
      raw.arm = values.arm ?? (JSON.parse(kind) as { arm?: string }).arm;
    } else if (values.arm !== undefined) raw.arm = values.arm;
    else throw new CliError(`finetune needs --arm (or --run ID).\n${finetuneHelp}`, 2);
    if (values['pretrain-run'] !== undefined) raw.pretrainRunId = integer('pretrain-run', values['pretrain-run']);
    if (values.weights !== undefined) raw.weights = values.weights;
    if (values.arch !== undefined) raw.arch = values.arch;
    if (values.patch !== undefined) raw.patch = integer('patch', values.patch);
    if (values['label-set'] !== undefined) raw.labelSet = values['label-set'];
    if (values.labels !== undefined) raw.labels = parseLabelBudget(values.labels);
    if (values.seed !== undefined) raw.seed = integer('seed', values.seed);
    if (values.split !== undefined) raw.splitId = integer('split', values.split);
    if (values.preset !== undefined) raw.preset = values.preset;
    if (values.backend !== undefined) raw.backend = values.backend;
    const parsed = finetuneParamsSchema.safeParse(raw);
    if (!parsed.success) throw new CliError(zodIssues(parsed.error), 2);
    const done = await runJobFromCli(project, 'finetune', raw, io, 'Fine-tuning');
    const result = done.result as ArmResult;
    if (values.json === true) printJson(io, { jobId: done.id, ...result });
    else io.out(formatArm(result));
  } finally {
    project.close();
  }
}
