import type { ZodError } from 'zod';
import { budgetText, type PipelineResult } from '../../ml/pipeline/pipeline-job.js';
import { pipelineParamsSchema } from '../../ml/pipeline/pipeline-params.js';
import { Project } from '../../project/project.js';
import { CliError } from '../cli-error.js';
import { integer, parseBudgetList, parseIntegerList, parseLabelBudget, parseOverrides } from '../downstream-options.js';
import { printJson, type CliIo } from '../output.js';
import { option, parseCommand } from '../parse.js';
import { runJobFromCli } from '../run-job.js';

export const pipelineHelp = `Usage: octdino pipeline --project DIR [--label-set NAME] [--labels FRACTION|COUNT] [--preset quick|standard|full]
         [--seed N] [--split ID] [--arms dino_linear,dino_finetune,supervised,dino_knn] [--pretrain-run ID]
         [--set pretrain.KEY=VALUE]... [--set downstream.KEY=VALUE]... [--backend wasm|cpu|tensorflow|webgpu] [--json]
       octdino pipeline --project DIR --sweep-labels 0.05,0.2,1.0 [--sweep-seeds 0,1,2] [...]   (label-efficiency sweep)
       octdino pipeline --project DIR --run ID [--json]                                         (resume)
The one-click experiment: a patient split if there is none, DINO pretraining on every non-test
image, then at the label budget the DINO k-NN, linear probe and fine-tuning arms and the
supervised baseline, each evaluated once on the test split with 95 % patient-bootstrap intervals.
--labels: 0.1 or 10% = that fraction of the labelled training patients; 50 = 50 labelled images.
Ctrl+C stops at a checkpoint; --run ID continues where it stopped.`;

export function zodIssues(error: ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || 'params'}: ${i.message}`).join('; ');
}

function formatResult(result: PipelineResult): string {
  const lines = [`${result.kind === 'sweep' ? 'Sweep' : 'Pipeline'} ${result.pipeline} finished on ${result.backend} (pretraining run ${result.pretrainRun}).`];
  lines.push('  arm             test macro AUROC   95% CI');
  for (const [arm, a] of Object.entries(result.arms)) {
    const ci = a.macroAurocCi95 ? `[${a.macroAurocCi95[0].toFixed(3)}, ${a.macroAurocCi95[1].toFixed(3)}]` : '-';
    lines.push(`  ${arm.padEnd(16)}${(a.macroAuroc?.toFixed(3) ?? '-').padEnd(19)}${ci}`);
  }
  const warnings = [...new Set(Object.values(result.arms).flatMap((a) => a.warnings))];
  for (const w of warnings) lines.push(`  warning: ${w}`);
  if (result.points) {
    lines.push('  label-efficiency points (arm, budget, seed, macro AUROC):');
    for (const p of result.points) lines.push(`    ${p.arm.padEnd(14)} ${budgetText(p.budget)} (${p.budget.images} images) seed ${p.seed}: ${p.macroAuroc?.toFixed(3) ?? '-'}`);
  }
  lines.push(`  predictions: ${result.predictions}`);
  return lines.join('\n');
}

export async function pipelineCommand(argv: string[], io: CliIo): Promise<void> {
  const { values } = parseCommand(argv, {
    project: option.string,
    'label-set': option.string,
    labels: option.string,
    preset: option.string,
    seed: option.string,
    split: option.string,
    run: option.string,
    arms: option.string,
    'pretrain-run': option.string,
    'sweep-labels': option.string,
    'sweep-seeds': option.string,
    set: { type: 'string', multiple: true },
    backend: option.string,
    json: option.boolean,
  });
  if (typeof values.project !== 'string') throw new CliError(`pipeline needs --project DIR.\n${pipelineHelp}`, 2);
  const sets = values.set === undefined ? [] : ([] as string[]).concat(values.set);
  const overrides = parseOverrides(sets, ['pretrain', 'downstream']);
  const raw: Record<string, unknown> = { pretrain: overrides.pretrain, downstream: overrides.downstream };
  if (values['label-set'] !== undefined) raw.labelSet = values['label-set'];
  if (values.labels !== undefined) raw.labels = parseLabelBudget(values.labels);
  if (values.preset !== undefined) raw.preset = values.preset;
  if (values.seed !== undefined) raw.seed = integer('seed', values.seed);
  if (values.split !== undefined) raw.splitId = integer('split', values.split);
  if (values.run !== undefined) raw.runId = integer('run', values.run);
  if (values['pretrain-run'] !== undefined) raw.pretrainRunId = integer('pretrain-run', values['pretrain-run']);
  if (values.arms !== undefined) raw.arms = values.arms.split(',').map((a) => a.trim());
  if (values.backend !== undefined) raw.backend = values.backend;
  if (values['sweep-labels'] !== undefined || values['sweep-seeds'] !== undefined) {
    raw.sweep = {
      budgets: values['sweep-labels'] !== undefined ? parseBudgetList(values['sweep-labels']) : [raw.labels ?? { kind: 'fraction', value: 1 }],
      seeds: values['sweep-seeds'] !== undefined ? parseIntegerList('sweep-seeds', values['sweep-seeds']) : [(raw.seed as number | undefined) ?? 0],
    };
  }
  const parsed = pipelineParamsSchema.safeParse(raw);
  if (!parsed.success) throw new CliError(zodIssues(parsed.error), 2);
  const project = Project.open(values.project);
  try {
    const done = await runJobFromCli(project, 'pipeline', raw, io, 'The pipeline');
    const result = done.result as PipelineResult;
    if (values.json === true) printJson(io, { jobId: done.id, ...result });
    else io.out(formatResult(result));
  } finally {
    project.close();
  }
}
