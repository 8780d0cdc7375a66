/**
 * The whole DINO training step against PyTorch: two steps of the reference `train_one_epoch`
 * (tests/fixtures/ml/make-dino-step-reference.py, PyTorch 1.13, float64) — teacher and student
 * forward, DINOLoss with centre and the epoch's teacher temperature, gradients, per-parameter
 * clipping, last-layer cancelling (epoch 0) and training (epoch 1), AdamW with the reference
 * parameter groups, EMA teacher, centre update — replayed by our `dinoStep` from the same
 * weights and crops.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Tensor, Tensor4D, Variable } from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { dinoStep, type DinoStepParts } from '../../../../src-main/ml/dino/dino-step.js';
import { DinoHead } from '../../../../src-main/ml/dino/head.js';
import { DinoLoss } from '../../../../src-main/ml/dino/loss.js';
import { forwardMultiCrop, networkVariables, type DinoNetwork } from '../../../../src-main/ml/dino/multi-crop-wrapper.js';
import type { DinoSchedules } from '../../../../src-main/ml/dino/schedules.js';
import { initTeacherFromStudent } from '../../../../src-main/ml/dino/teacher.js';
import { loadEngine, type Tf } from '../../../../src-main/ml/engine/index.js';
import { customViTConfig } from '../../../../src-main/ml/models/vit-config.js';
import { ViT } from '../../../../src-main/ml/models/vit.js';
import { AdamW } from '../../../../src-main/ml/optim/adamw.js';
import { readSafetensors, type SafetensorsTensor } from '../../../../src-main/ml/weights/safetensors.js';

const DIR = path.join(import.meta.dirname, '../../../fixtures/ml/dino-step-reference');
const read = (name: string) => readSafetensors(new Uint8Array(readFileSync(path.join(DIR, name))));
const init = read('init.safetensors').tensors;
const crops = read('crops.safetensors').tensors;
const ioFile = read('io.safetensors');
const io = ioFile.tensors;
const after = [read('step1.safetensors').tensors, read('step2.safetensors').tensors];
const hyper = JSON.parse(ioFile.metadata['hyper']!) as {
  lr: number[];
  weight_decay: number[];
  momentum: number[];
  teacher_temp_per_epoch: number[];
  student_temp: number;
  center_momentum: number;
  clip_grad: number;
  freeze_last_layer: number;
  clipped_step1: string[];
  clipped_step2: string[];
};

const OUT_DIM = 64;

function floats(map: ReadonlyMap<string, SafetensorsTensor>, name: string): { data: Float32Array; shape: number[] } {
  const t = map.get(name);
  if (t === undefined) throw new Error(`fixture has no tensor ${name}`);
  const data = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data as ArrayLike<number>);
  return { data, shape: t.shape };
}

/** [rows, cols] row-major → [cols, rows]. */
function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return out;
}

/**
 * Our layout of a reference-named DINO tensor: ViT tensors are as PyTorch's; the head stores
 * linear weights [in, out] (PyTorch [out, in]) and weight_g as [1, K] (PyTorch [K, 1]).
 */
function ourLayout(name: string, t: { data: Float32Array; shape: number[] }): Float32Array {
  const isHeadMatrix = name.startsWith('head.') && t.shape.length === 2;
  return isHeadMatrix ? transpose(t.data, t.shape[0]!, t.shape[1]!) : t.data;
}

/** The inverse of `ourLayout`: our values of `name` in the reference layout `refShape`. */
function referenceLayout(name: string, data: Float32Array, refShape: number[]): Float32Array {
  const isHeadMatrix = name.startsWith('head.') && refShape.length === 2;
  return isHeadMatrix ? transpose(data, refShape[1]!, refShape[0]!) : data;
}

/** NCHW [N, 1, H, W] → NHWC [N, H, W, 1]: one channel, so the same values. */
function nhwc(tf: Tf, name: string): Tensor4D {
  const { data, shape } = floats(crops, name);
  const [n, c, h, w] = shape as [number, number, number, number];
  expect(c).toBe(1);
  return tf.tensor4d(data, [n, h, w, 1]);
}

interface Run {
  parts: DinoStepParts;
  dispose(): void;
}

function build(tf: Tf): Run {
  const config = customViTConfig({ embedDim: 16, depth: 2, numHeads: 2, patchSize: 8, imgSize: 32, dropPathRate: 0 });
  const headOpts = { inDim: 16, outDim: OUT_DIM, nLayers: 3, hiddenDim: 32, bottleneckDim: 16, normLastLayer: true };
  const student: DinoNetwork = { backbone: new ViT(tf, config), head: new DinoHead(tf, headOpts) };
  const teacher: DinoNetwork = { backbone: new ViT(tf, config), head: new DinoHead(tf, { ...headOpts, trainable: false }) };
  const vars = networkVariables(student);
  const fileNames = [...init.keys()].sort();
  expect(fileNames).toEqual([...vars.keys()].sort());
  tf.tidy(() => {
    for (const [name, v] of vars) {
      const t = floats(init, name);
      expect(t.data.length, name).toBe(v.size);
      v.assign(tf.tensor(ourLayout(name, t), v.shape, 'float32'));
    }
  });
  initTeacherFromStudent(tf, networkVariables(teacher), vars);
  const n = hyper.lr.length;
  const schedules: DinoSchedules = {
    stepsPerEpoch: 1,
    epochs: n,
    totalSteps: n,
    lr: Float64Array.from(hyper.lr),
    weightDecay: Float64Array.from(hyper.weight_decay),
    teacherMomentum: Float64Array.from(hyper.momentum),
    teacherTemp: Float64Array.from(hyper.teacher_temp_per_epoch.slice(0, n)),
    teacherTempPerEpoch: Float64Array.from(hyper.teacher_temp_per_epoch),
  };
  const loss = new DinoLoss(tf, {
    outDim: OUT_DIM,
    studentTemp: hyper.student_temp,
    centerMomentum: hyper.center_momentum,
    teacherTempPerEpoch: schedules.teacherTempPerEpoch,
  });
  const optimizer = new AdamW(tf, vars);
  const parts: DinoStepParts = { tf, student, teacher, loss, optimizer, schedules, clipGrad: hyper.clip_grad, freezeLastLayer: hyper.freeze_last_layer };
  return {
    parts,
    dispose: () => {
      for (const net of [student, teacher]) {
        net.backbone.dispose();
        net.head.dispose();
      }
      loss.dispose();
      optimizer.dispose();
    },
  };
}

/** Largest |got − want| / (1 + |want|) over the elements (absolute near 0, relative for large values). */
function worst(got: ArrayLike<number>, want: ArrayLike<number>, skip?: (i: number) => boolean): number {
  expect(got.length).toBe(want.length);
  let m = 0;
  for (let i = 0; i < want.length; i++) {
    if (skip?.(i)) continue;
    m = Math.max(m, Math.abs(got[i]! - want[i]!) / (1 + Math.abs(want[i]!)));
  }
  return m;
}

/**
 * The key bias of attention (the middle third of qkv.bias) has a zero gradient in exact maths:
 * it adds q·b_k to every logit of a query's row, which the softmax ignores. Adam divides that
 * rounding noise by its own size, so those entries move by ±lr at random: they are compared
 * only against the bound of that move.
 */
function keyBiasSkip(name: string, dim: number): ((i: number) => boolean) | undefined {
  return /attn\.qkv\.bias$/.test(name) ? (i) => i >= dim && i < 2 * dim : undefined;
}

describe.each(['cpu', 'wasm'] as const)('a DINO step matches PyTorch’s train_one_epoch on %s', (backend) => {
  let tf: Tf;
  beforeAll(async () => {
    ({ tf } = await loadEngine({ only: [backend], env: {} }));
  });

  it('gradients before clipping, loss, centre, student and teacher after 2 steps (epoch 0 frozen last layer, epoch 1 trained)', async () => {
    const run = build(tf);
    const { parts } = run;
    const globals = nhwc(tf, 'crops_global');
    const locals = nhwc(tf, 'crops_local');
    try {
      const studentVars = networkVariables(parts.student);
      const teacherVars = networkVariables(parts.teacher);
      for (let s = 0; s < 2; s++) {
        const tag = `step${s + 1}`;
        const epoch = s;
        // The raw gradients of a few parameters, as the step computes them (same forward and loss).
        const names = Object.keys(Object.fromEntries(io)).filter((k) => k.startsWith(`${tag}_grad.`)).map((k) => k.slice(`${tag}_grad.`.length));
        const teacherOut = tf.tidy(() => forwardMultiCrop(tf, parts.teacher, [globals], { training: false }));
        const { value, grads } = tf.variableGrads(
          () => parts.loss.compute(forwardMultiCrop(tf, parts.student, [globals, locals], { training: true }), teacherOut, epoch, 4),
          names.map((n) => studentVars.get(n)!),
        );
        for (const name of names) {
          const v = studentVars.get(name)!;
          const g = grads[v.name]!;
          const want = floats(io, `${tag}_grad.${name}`);
          const got = referenceLayout(name, g.dataSync() as Float32Array, want.shape);
          const scale = Math.max(...want.data.map(Math.abs));
          expect(worst(got, want.data), `${tag} gradient of ${name} (max |g| ${scale})`).toBeLessThan(1e-4 * Math.max(1, scale));
        }
        tf.dispose([teacherOut, value, ...Object.values(grads)]);

        const r = await dinoStep(parts, { globals, locals }, s, epoch);
        const wantLoss = floats(io, `${tag}_loss`).data[0]!;
        expect(Math.abs(r.loss - wantLoss) / wantLoss, `${tag} loss ${r.loss} vs ${wantLoss}`).toBeLessThan(1e-5);
        expect(r.teacherTemp).toBeCloseTo(hyper.teacher_temp_per_epoch[epoch]!, 12);
        expect(worst(parts.loss.center.dataSync(), floats(io, `${tag}_center`).data), `${tag} centre`).toBeLessThan(1e-5);

        const ref = after[s]!;
        const lr = hyper.lr[s]!;
        for (const [prefix, vars] of [['student', studentVars], ['teacher', teacherVars]] as const) {
          for (const [name, v] of vars) {
            const want = floats(ref, `${prefix}.${name}`);
            const got = referenceLayout(name, (v as Variable as Tensor).dataSync() as Float32Array, want.shape);
            const skip = keyBiasSkip(name, 16);
            expect(worst(got, want.data, skip), `${tag} ${prefix}.${name}`).toBeLessThan(1e-4);
            if (skip) expect(worst(got, want.data), `${tag} ${prefix}.${name} key bias`).toBeLessThan(2 * (s + 1) * lr);
          }
        }
        // The last layer is frozen in epoch 0 (no update at all) and trained in epoch 1.
        expect(parts.optimizer.stepOf('head.last_layer.weight_v')).toBe(s);
      }
    } finally {
      tf.dispose([globals, locals]);
      run.dispose();
    }
  });
});
