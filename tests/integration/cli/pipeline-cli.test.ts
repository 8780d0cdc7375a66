import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRunner } from '../../../src-main/jobs/job-runner.js';
import { readSafetensors } from '../../../src-main/ml/weights/safetensors.js';
import { Project } from '../../../src-main/project/project.js';
import { runOctdino } from '../../fixtures/run-cli.js';
import { makeTempDir } from '../../fixtures/temp-dir.js';

/** The CLI form of the tiny pipeline of tests/integration/ml/pipeline (2-block ViT, 32-px input). */
const TINY_SETTINGS = [
  'pretrain.arch="vit_custom"',
  'pretrain.custom={"embedDim":32,"depth":2,"numHeads":2}',
  'pretrain.patch=8',
  'pretrain.epochs=1',
  'pretrain.batch=16',
  'pretrain.outDim=64',
  'pretrain.headHiddenDim=32',
  'pretrain.headBottleneckDim=16',
  'pretrain.globalSize=32',
  'pretrain.localSize=16',
  'pretrain.localCrops=1',
  'pretrain.warmupEpochs=0',
  'downstream.batch=16',
  'downstream.linearEpochs=10',
  'downstream.finetuneEpochs=1',
  'downstream.warmupEpochs=0',
  'downstream.bootstrap=30',
].flatMap((s) => ['--set', s]);

interface ArmJson {
  runId: number;
  macroAuroc: number | null;
  perLabel: Record<string, { auroc: number | null; auprc: number | null; f1: number; sensitivity: number; specificity: number; ci95: [number, number] | null }>;
}

describe('octdino pipeline, finetune, evaluate and export', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let project: string;
  let pipeline: { pipeline: number; pretrainRun: number; arms: Record<string, ArmJson>; predictions: string };

  beforeAll(async () => {
    temp = makeTempDir();
    project = path.join(temp.dir, 'p');
    const p = Project.create(project);
    const runner = new JobRunner(p);
    const demo = await runner.waitFor(runner.start('demo.generate', { patients: 16, eyesPerPatient: 1, visitsPerEye: 2, slicesPerVolume: 3, width: 64, height: 62 }).id);
    runner.shutdown();
    p.close();
    expect(demo.status).toBe('completed');
    const run = runOctdino(['pipeline', '--project', project, '--labels', '0.5', '--preset', 'quick', '--seed', '2', '--backend', 'wasm', ...TINY_SETTINGS, '--json']);
    expect(run.status, run.stderr).toBe(0);
    pipeline = JSON.parse(run.stdout) as typeof pipeline;
  }, 120_000);
  afterAll(() => temp.cleanup());

  it('prints the documented JSON: pipeline id, four arms with macroAuroc and perLabel metrics, predictions path', () => {
    expect(pipeline.pipeline).toBeGreaterThan(0);
    expect(Object.keys(pipeline.arms).sort()).toEqual(['dino_finetune', 'dino_knn', 'dino_linear', 'supervised']);
    for (const arm of Object.values(pipeline.arms)) {
      expect(typeof arm.macroAuroc).toBe('number');
      for (const label of Object.values(arm.perLabel)) {
        expect(Object.keys(label).sort()).toEqual(['auprc', 'auroc', 'ci95', 'f1', 'sensitivity', 'specificity']);
      }
    }
    expect(existsSync(pipeline.predictions)).toBe(true);
  });

  it('exports one arm’s predictions as CSV with the documented columns', () => {
    const out = path.join(temp.dir, 'linear.csv');
    const r = runOctdino(['export', 'predictions', '--project', project, '--run', String(pipeline.arms.dino_linear!.runId), '--out', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('image_id,path,patient,split,label,truth,probability');
    expect(lines.length - 1).toBe((JSON.parse(r.stdout) as { rows: number }).rows);
    expect(lines[1]!.split(',')[1]).toMatch(/\.(png|tif|tiff)$/);
  });

  it('exports the test metrics of every arm with their intervals as CSV', () => {
    const out = path.join(temp.dir, 'metrics.csv');
    const r = runOctdino(['export', 'metrics', '--project', project, '--run', String(pipeline.pipeline), '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('run_id,arm,labelled_images,labelled_patients,seed,label,metric,value,ci_low,ci_high');
    const macro = lines.filter((l) => l.includes(',(macro),auroc,')).map((l) => l.split(','));
    expect(macro.map((c) => c[1]).sort()).toEqual(['dino_finetune', 'dino_knn', 'dino_linear', 'supervised']);
    for (const c of macro) expect(Number(c[7])).toBeCloseTo(pipeline.arms[c[1]!]!.macroAuroc!, 10);
  });

  it('exports the fine-tuned classifier as a TensorFlow.js folder and its backbone as safetensors', () => {
    const dir = path.join(temp.dir, 'classifier');
    const r = runOctdino(['export', 'classifier', '--project', project, '--run', String(pipeline.arms.dino_finetune!.runId), '--out', dir]);
    expect(r.status, r.stderr).toBe(0);
    const model = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as { format: string; weightsManifest: { paths: string[]; weights: { name: string }[] }[]; userDefinedMetadata: { labels: string[]; thresholds: number[] } };
    expect(model.format).toBe('octdino-classifier-tfjs/1');
    const names = model.weightsManifest[0]!.weights.map((w) => w.name);
    expect(names).toContain('head.weight');
    expect(names).toContain('backbone.cls_token');
    expect(model.userDefinedMetadata.thresholds).toHaveLength(model.userDefinedMetadata.labels.length);
    expect(existsSync(path.join(dir, 'weights.bin'))).toBe(true);
    const file = path.join(temp.dir, 'backbone.safetensors');
    const b = runOctdino(['export', 'backbone', '--project', project, '--run', String(pipeline.arms.dino_finetune!.runId), '--out', file]);
    expect(b.status, b.stderr).toBe(0);
    const names2 = [...readSafetensors(readFileSync(file)).tensors.keys()];
    expect(names2).toContain('blocks.0.attn.qkv.weight');
    expect(names2.some((n) => n.startsWith('head.'))).toBe(false);
  });

  it('re-evaluates a finished arm to the same numbers', () => {
    const r = runOctdino(['evaluate', '--project', project, '--run', String(pipeline.arms.supervised!.runId), '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { macroAuroc: number }).macroAuroc).toBeCloseTo(pipeline.arms.supervised!.macroAuroc!, 6);
  });

  it('runs a single arm from the pipeline’s pretraining with octdino finetune', () => {
    const r = runOctdino(['finetune', '--project', project, '--arm', 'dino_knn', '--pretrain-run', String(pipeline.pretrainRun), '--labels', '20', '--set', 'downstream.bootstrap=20', '--backend', 'wasm', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { arm: string; budget: { kind: string; images: number } };
    expect(result).toMatchObject({ arm: 'dino_knn', budget: { kind: 'count', images: 20 } });
  });

  it('refuses bad input with a one-line reason', () => {
    const badLabels = runOctdino(['pipeline', '--project', project, '--labels', 'many']);
    expect(badLabels.status).toBe(2);
    expect(badLabels.stderr).toMatch(/--labels takes a fraction/);
    const badSet = runOctdino(['pipeline', '--project', project, '--set', 'downstream.nope=1']);
    expect(badSet.status).toBe(2);
    expect(badSet.stderr).toMatch(/downstream/);
    const noArm = runOctdino(['finetune', '--project', project, '--arm', 'dino_linear']);
    expect(noArm.status).toBe(1);
    expect(noArm.stderr).toMatch(/needs a pretrained backbone/);
    const badSetName = runOctdino(['pipeline', '--project', project, '--label-set', 'Nope', ...TINY_SETTINGS]);
    expect(badSetName.status).toBe(1);
    expect(badSetName.stderr).toMatch(/No label set "Nope"/);
  });
});
