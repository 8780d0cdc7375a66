/**
 * What a run gives to take away: its test predictions and metrics as CSV, its classifier as a
 * TensorFlow.js model folder, its backbone as safetensors. One function each, shared by the CLI
 * (`octdino export …`, to a path the user names) and the API (`exports.*`, into the project's
 * exports/ folder).
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { armClassifierFile, type ArmRunConfig } from '../ml/finetune/arm-job.js';
import { classifierBackboneTensors } from '../ml/finetune/classifier-state.js';
import { exportClassifierFolder } from '../ml/finetune/export-classifier.js';
import { writeMetricsCsv } from '../ml/finetune/metrics-csv.js';
import { writePredictionsCsv } from '../ml/finetune/predictions-csv.js';
import type { EvaluationMetrics } from '../ml/metrics/index.js';
import { readSafetensors, writeSafetensors } from '../ml/weights/safetensors.js';
import type { Project } from '../project/project.js';
import { RunsRepository, type RunRecord } from '../project/runs.js';
import { ExportError, exportPath, exportResult, type ExportResult } from './export-files.js';

export type RunExportKind = 'predictions' | 'metrics' | 'classifier' | 'backbone';

export interface RunExportResult extends ExportResult {
  runId: number;
  /** Rows of a CSV, tensors of a model file. */
  count: number;
  note?: string;
}

function requireRun(project: Project, runId: number): { runs: RunsRepository; run: RunRecord } {
  const runs = new RunsRepository(project.db);
  const run = runs.get(runId);
  if (!run) throw new ExportError('not_found', `No run ${runId} in this project.`);
  return { runs, run };
}

/** The downstream (arm) runs behind a run: itself, or a pipeline's or sweep's arms. */
function armRuns(runs: RunsRepository, run: RunRecord): RunRecord[] {
  const isArm = (r: RunRecord): boolean => (r.config as { arm?: string } | null)?.arm !== undefined;
  if (isArm(run)) return [run];
  if (run.kind === 'pipeline' || run.kind === 'sweep') return runs.children(run.id).filter(isArm);
  throw new ExportError('invalid', `Run ${run.id} is a ${run.kind} run: predictions and metrics come from downstream or pipeline runs.`);
}

function defaultOut(project: Project, kind: RunExportKind, runId: number): string {
  const ext = kind === 'backbone' ? '.safetensors' : kind === 'classifier' ? '' : '.csv';
  return exportPath(project.dir, `${kind}-run-${runId}`, ext);
}

/** Test-split predictions, one row per image and label (a pipeline's rows say which arm and run). */
export async function exportPredictions(project: Project, runId: number, out = defaultOut(project, 'predictions', runId)): Promise<RunExportResult> {
  const { runs, run } = requireRun(project, runId);
  const evaluations = armRuns(runs, run)
    .map((r) => runs.evaluation(r.id, 'test'))
    .filter((e): e is NonNullable<typeof e> => e !== null);
  if (evaluations.length === 0) throw new ExportError('invalid', `Run ${run.id} has no test evaluation yet: let it finish first.`);
  await mkdir(path.dirname(out), { recursive: true });
  const rows = await writePredictionsCsv(project.db, evaluations.map((e) => e.id), out, { withRun: run.kind === 'pipeline' || run.kind === 'sweep' });
  return { ...(await exportResult(project.dir, out, `${rows} prediction rows of run ${runId}`)), runId, count: rows };
}

/** Test metrics per arm and label with their 95 % bootstrap intervals. */
export async function exportMetrics(project: Project, runId: number, out = defaultOut(project, 'metrics', runId)): Promise<RunExportResult> {
  const { runs, run } = requireRun(project, runId);
  const rows = armRuns(runs, run).flatMap((r) => {
    const test = runs.evaluation(r.id, 'test');
    const c = r.config as ArmRunConfig;
    return test ? [{ runId: r.id, arm: c.arm, images: c.budget.images, patients: c.budget.patients, seed: c.seed, metrics: test.metrics as EvaluationMetrics }] : [];
  });
  if (rows.length === 0) throw new ExportError('invalid', `Run ${run.id} has no test evaluation yet: let it finish first.`);
  await mkdir(path.dirname(out), { recursive: true });
  await writeMetricsCsv(rows, out);
  return { ...(await exportResult(project.dir, out, `test metrics of ${rows.length} run${rows.length === 1 ? '' : 's'}`)), runId, count: rows.length };
}

/** A downstream run's selected model as a TensorFlow.js model folder (model.json + weights.bin). */
export async function exportClassifier(project: Project, runId: number, outDir = defaultOut(project, 'classifier', runId)): Promise<RunExportResult> {
  const { runs, run } = requireRun(project, runId);
  const config = run.config as ArmRunConfig | null;
  if (!config?.arm) throw new ExportError('invalid', `Run ${run.id} is not a downstream run: choose one arm of a pipeline.`);
  if (run.status !== 'completed') throw new ExportError('invalid', `Run ${run.id} is ${run.status}; a classifier is exported once the run has completed.`);
  const metrics = runs.evaluation(run.id, 'test')?.metrics as EvaluationMetrics | undefined;
  const labels = project.db.prepare('SELECT name FROM labels WHERE label_set_id = ? ORDER BY position').pluck().all(config.labelSetId) as string[];
  const task = (project.db.prepare('SELECT kind FROM label_sets WHERE id = ?').pluck().get(config.labelSetId) as 'multi_label' | 'single_label' | undefined) ?? 'multi_label';
  const thresholds = metrics?.task === 'multi_label' ? metrics.perLabel.map((l) => l.threshold ?? 0.5) : null;
  // TensorFlow.js loads on first use only: the API process stays light until someone exports a model.
  const { loadEngine } = await import('../ml/engine/index.js');
  const { tf } = await loadEngine();
  const result = await exportClassifierFolder(tf, { classifierFile: armClassifierFile(project.dir, run.id), outDir, config, task, labels, thresholds, runId: run.id }).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ExportError('invalid', `Run ${run.id} has no saved classifier.`);
    throw err;
  });
  const note = config.arm === 'dino_knn' ? 'k-NN has no trained head: the folder holds its backbone and an untrained head' : undefined;
  return { ...(await exportResult(project.dir, outDir, `${config.arm} classifier (${labels.length} labels) as a TensorFlow.js model folder`)), runId, count: result.tensors, ...(note ? { note } : {}) };
}

/** The backbone of a pretraining (the DINO teacher) or downstream run as safetensors with the reference names. */
export async function exportBackbone(project: Project, runId: number, out = defaultOut(project, 'backbone', runId)): Promise<RunExportResult> {
  const { run } = requireRun(project, runId);
  await mkdir(path.dirname(out), { recursive: true });
  if (run.kind === 'pretrain') {
    const file = path.join(project.dir, 'checkpoints', `run-${run.id}`, 'teacher-backbone.safetensors');
    await copyFile(file, out).catch(() => {
      throw new ExportError('invalid', `Run ${run.id} has no exported backbone yet: finish the pretraining first.`);
    });
    const tensors = readSafetensors(await readFile(out)).tensors.size;
    return { ...(await exportResult(project.dir, out, 'DINO teacher backbone (safetensors)')), runId, count: tensors };
  }
  const config = run.config as ArmRunConfig | null;
  if (!config?.arm) throw new ExportError('invalid', `Run ${run.id} has no backbone to export: choose a pretraining or one arm of a pipeline.`);
  const bytes = await readFile(armClassifierFile(project.dir, run.id)).catch(() => {
    throw new ExportError('invalid', `Run ${run.id} has no saved model yet.`);
  });
  // Parameters and, for a ResNet, its running statistics, under the reference names.
  const entries = [...classifierBackboneTensors(readSafetensors(bytes).tensors)].map(([name, t]) => [name, { shape: t.shape, data: t.data as Float32Array }] as const);
  await writeFile(out, writeSafetensors(entries, { run: String(run.id), source: `${config.arm} backbone`, arch: config.backbone.arch }));
  return { ...(await exportResult(project.dir, out, `${config.arm} backbone (safetensors)`)), runId, count: entries.length };
}
