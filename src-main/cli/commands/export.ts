import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { armClassifierFile, type ArmRunConfig } from '../../ml/finetune/arm-job.js';
import { classifierBackboneTensors } from '../../ml/finetune/classifier-state.js';
import { exportClassifierFolder } from '../../ml/finetune/export-classifier.js';
import { writeMetricsCsv } from '../../ml/finetune/metrics-csv.js';
import { writePredictionsCsv } from '../../ml/finetune/predictions-csv.js';
import type { EvaluationMetrics } from '../../ml/metrics/index.js';
import { readSafetensors, writeSafetensors } from '../../ml/weights/safetensors.js';
import { Project } from '../../project/project.js';
import { RunsRepository, type RunRecord } from '../../project/runs.js';
import { CliError } from '../cli-error.js';
import { integer } from '../downstream-options.js';
import { printJson, type CliIo } from '../output.js';
import { option, parseCommand } from '../parse.js';

export const exportHelp = `Usage: octdino export predictions --project DIR --run ID --out FILE.csv [--json]
       octdino export metrics     --project DIR --run ID --out FILE.csv [--json]
       octdino export classifier  --project DIR --run ID --out DIR [--json]
       octdino export backbone    --project DIR --run ID --out FILE.safetensors [--json]
predictions: test-split predictions, one row per image and label:
  image_id,path,patient,split,label,truth,probability  (a pipeline run adds arm,run_id).
metrics:     test metrics per arm and label with 95 % bootstrap intervals:
  run_id,arm,labelled_images,labelled_patients,seed,label,metric,value,ci_low,ci_high
classifier:  a downstream run's selected model as a TensorFlow.js model folder (model.json + weights.bin).
backbone:    the backbone of a pretraining or downstream run as safetensors with the reference
             (PyTorch) parameter names.`;

export async function exportCommand(argv: string[], io: CliIo): Promise<void> {
  const [what, ...rest] = argv;
  const { values } = parseCommand(rest, { project: option.string, run: option.string, out: option.string, json: option.boolean });
  if (what !== 'predictions' && what !== 'metrics' && what !== 'classifier' && what !== 'backbone') throw new CliError(`export needs predictions, metrics, classifier or backbone.\n${exportHelp}`, 2);
  if (typeof values.project !== 'string' || values.run === undefined || values.out === undefined) throw new CliError(`export ${what} needs --project DIR, --run ID and --out.\n${exportHelp}`, 2);
  const runId = integer('run', values.run);
  const out = path.resolve(values.out);
  const project = Project.open(values.project);
  try {
    const runs = new RunsRepository(project.db);
    const run = runs.get(runId);
    if (!run) throw new CliError(`No run ${runId} in this project.`);
    let report: Record<string, unknown>;
    if (what === 'predictions') report = await exportPredictions(project, runs, run, out);
    else if (what === 'metrics') report = await exportMetrics(runs, run, out);
    else if (what === 'classifier') report = await exportClassifier(project, runs, run, out);
    else report = await exportBackbone(project, run, out);
    if (values.json === true) printJson(io, { run: runId, ...report });
    else io.out(Object.entries(report).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join('\n'));
  } finally {
    project.close();
  }
}

function armRuns(runs: RunsRepository, run: RunRecord): RunRecord[] {
  const isArm = (r: RunRecord): boolean => (r.config as { arm?: string } | null)?.arm !== undefined;
  if (isArm(run)) return [run];
  if (run.kind === 'pipeline' || run.kind === 'sweep') return runs.children(run.id).filter(isArm);
  throw new CliError(`Run ${run.id} is a ${run.kind} run: predictions come from downstream or pipeline runs.`);
}

async function exportPredictions(project: Project, runs: RunsRepository, run: RunRecord, out: string): Promise<Record<string, unknown>> {
  const evaluations = armRuns(runs, run)
    .map((r) => runs.evaluation(r.id, 'test'))
    .filter((e): e is NonNullable<typeof e> => e !== null);
  if (evaluations.length === 0) throw new CliError(`Run ${run.id} has no test evaluation yet: finish it first (octdino pipeline/finetune --run ${run.id}).`);
  const rows = await writePredictionsCsv(project.db, evaluations.map((e) => e.id), out, { withRun: run.kind === 'pipeline' || run.kind === 'sweep' });
  return { predictions: out, rows };
}

async function exportMetrics(runs: RunsRepository, run: RunRecord, out: string): Promise<Record<string, unknown>> {
  const rows = armRuns(runs, run).flatMap((r) => {
    const test = runs.evaluation(r.id, 'test');
    const c = r.config as ArmRunConfig;
    return test ? [{ runId: r.id, arm: c.arm, images: c.budget.images, patients: c.budget.patients, seed: c.seed, metrics: test.metrics as EvaluationMetrics }] : [];
  });
  if (rows.length === 0) throw new CliError(`Run ${run.id} has no test evaluation yet.`);
  await mkdir(path.dirname(out), { recursive: true });
  await writeMetricsCsv(rows, out);
  return { metrics: out, runs: rows.length };
}

async function exportClassifier(project: Project, runs: RunsRepository, run: RunRecord, out: string): Promise<Record<string, unknown>> {
  const config = run.config as ArmRunConfig | null;
  if (!config?.arm) throw new CliError(`Run ${run.id} is not a downstream run.`);
  if (run.status !== 'completed') throw new CliError(`Run ${run.id} is ${run.status}; a classifier is exported once the run has completed.`);
  const test = runs.evaluation(run.id, 'test');
  const metrics = test?.metrics as EvaluationMetrics | undefined;
  const labels = project.db.prepare('SELECT name FROM labels WHERE label_set_id = ? ORDER BY position').pluck().all(config.labelSetId) as string[];
  const task = (project.db.prepare('SELECT kind FROM label_sets WHERE id = ?').pluck().get(config.labelSetId) as 'multi_label' | 'single_label' | undefined) ?? 'multi_label';
  const thresholds = metrics?.task === 'multi_label' ? metrics.perLabel.map((l) => l.threshold ?? 0.5) : null;
  const { loadEngine } = await import('../../ml/engine/index.js');
  const { tf } = await loadEngine();
  const result = await exportClassifierFolder(tf, { classifierFile: armClassifierFile(project.dir, run.id), outDir: out, config, task, labels, thresholds, runId: run.id });
  return { classifier: out, modelJson: result.modelJson, weights: result.weightsBin, tensors: result.tensors, note: config.arm === 'dino_knn' ? 'k-NN has no trained head: the folder holds its backbone and an untrained head' : undefined };
}

async function exportBackbone(project: Project, run: RunRecord, out: string): Promise<Record<string, unknown>> {
  await mkdir(path.dirname(out), { recursive: true });
  if (run.kind === 'pretrain') {
    const file = path.join(project.dir, 'checkpoints', `run-${run.id}`, 'teacher-backbone.safetensors');
    await copyFile(file, out).catch(() => {
      throw new CliError(`Run ${run.id} has no exported backbone yet: finish the pretraining first.`);
    });
    return { backbone: out, source: 'DINO teacher' };
  }
  const config = run.config as ArmRunConfig | null;
  if (!config?.arm) throw new CliError(`Run ${run.id} has no backbone to export.`);
  const { tensors } = readSafetensors(await readFile(armClassifierFile(project.dir, run.id)));
  // Parameters and, for a ResNet, its running statistics, under the reference names.
  const entries = [...classifierBackboneTensors(tensors)].map(([name, t]) => [name, { shape: t.shape, data: t.data as Float32Array }] as const);
  await writeFile(out, writeSafetensors(entries, { run: String(run.id), source: `${config.arm} backbone`, arch: config.backbone.arch }));
  return { backbone: out, tensors: entries.length };
}
