/**
 * Does DINO pretraining improve the k-NN score of its features over the same network untrained,
 * and how does that change with the size of the run? A pretraining on demo B-scans rendered in
 * memory (no project, no files: the same `planDemoDataset` + `renderSyntheticBscan` the demo
 * job uses, drawn directly at the cache's square size), on any backend, with the teacher scored
 * by the weighted k-NN (k = 20, T = 0.07) every `--eval-every` steps: bank = half the patients,
 * queries = the other half (patient-disjoint), macro AUROC over the five demo biomarkers.
 * Raw pixels at the same input size are scored too, as a reference point for how much of the
 * labels is visible without any learning.
 *
 *   npx tsx tests/bench/ml/dino-knn.bench.ts --backend wasm --arch vit_custom --steps 64
 *   npx tsx tests/bench/ml/dino-knn.bench.ts --backend webgpu --arch vit_tiny --patch 16 \
 *       --patients 128 --size 128 --global-size 112 --local-size 48 --local-crops 4 --batch 64 --steps 2000
 *
 * Prints one JSON line per evaluation and a summary line last (`{"summary": …}`).
 *
 * The same experiment with the reference implementation in PyTorch, on the same images:
 *   npx tsx tests/bench/ml/dino-knn.bench.ts --patients 16 --slices 8 --dump /tmp/demo16
 *   /usr/bin/python3 tests/bench/ml/dino_knn_reference.py --data /tmp/demo16 --base_lr 0.005 --steps 256
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { planDemoDataset } from '../../../src-main/demo/demo-dataset.js';
import { DEMO_BIOMARKERS } from '../../../src-main/demo/demo-dataset.js';
import { renderSyntheticBscan } from '../../../src-main/demo/synthetic-oct.js';
import { augmentRng, multiCrop, multiCropOptionsFromConfig } from '../../../src-main/ml/augment/multi-crop.js';
import { makeDinoConfig } from '../../../src-main/ml/dino/config.js';
import { dinoStep } from '../../../src-main/ml/dino/dino-step.js';
import { extractFeatures, imagesToInput, type Image8 } from '../../../src-main/ml/embed/extract.js';
import { loadEngine, type BackendName } from '../../../src-main/ml/engine/index.js';
import { KNN_K, KNN_TEMPERATURE, knnMultiLabel } from '../../../src-main/ml/eval/knn.js';
import type { Backbone } from '../../../src-main/ml/models/backbone.js';
import { buildDinoModel, type BackboneSpec } from '../../../src-main/ml/pretrain/dino-model.js';
import { defaultMicroBatch } from '../../../src-main/ml/pretrain/micro-batch.js';
import { epochOrder } from '../../../src-main/ml/pretrain/pretrain-data.js';
import { defaultTeacherMomentum } from '../../../src-main/ml/pretrain/pretrain-job.js';

const { values: a } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    arch: { type: 'string', default: 'vit_custom' },
    patch: { type: 'string', default: '8' },
    'embed-dim': { type: 'string', default: '64' },
    depth: { type: 'string', default: '4' },
    heads: { type: 'string', default: '4' },
    patients: { type: 'string', default: '32' },
    slices: { type: 'string', default: '4' },
    size: { type: 'string', default: '64' },
    'global-size': { type: 'string', default: '32' },
    'local-size': { type: 'string', default: '16' },
    'local-crops': { type: 'string', default: '2' },
    batch: { type: 'string', default: '16' },
    'out-dim': { type: 'string', default: '1024' },
    lr: { type: 'string' },
    'teacher-temp': { type: 'string' },
    steps: { type: 'string', default: '64' },
    'eval-every': { type: 'string', default: '32' },
    'max-seconds': { type: 'string', default: '1e9' },
    'micro-batch': { type: 'string' },
    seed: { type: 'string', default: '0' },
    'head-hidden': { type: 'string' },
    bottleneck: { type: 'string' },
    'momentum-teacher': { type: 'string' },
    'drop-path': { type: 'string' },
    dump: { type: 'string' },
  },
});
const int = (k: keyof typeof a): number => Number(a[k]);
const S = int('size');
const seed = int('seed');

// ---- data: demo B-scans rendered at S × S, labels per image, patients split in halves ----
const plans = planDemoDataset({ seed: 20221 + seed, patients: int('patients'), eyesPerPatient: 2, visitsPerEye: 1, slicesPerVolume: int('slices'), width: S, height: S });
const n = plans.length;
const pixels = new Uint8Array(n * S * S);
plans.forEach((p, i) => pixels.set(renderSyntheticBscan(p.spec).pixels, i * S * S));
const L = DEMO_BIOMARKERS.length;
const labels = new Int8Array(n * L);
plans.forEach((p, i) => DEMO_BIOMARKERS.forEach((b, j) => (labels[i * L + j] = p.labels[b.name])));
const patientOf = plans.map((p) => p.patientCode);
const patients = [...new Set(patientOf)];
const bankPatients = new Set(patients.filter((_, i) => i % 2 === 0));
const bank = plans.map((_, i) => i).filter((i) => bankPatients.has(patientOf[i]!));
const queries = plans.map((_, i) => i).filter((i) => !bankPatients.has(patientOf[i]!));
const image = (i: number): Image8 => ({ width: S, height: S, data: pixels.subarray(i * S * S, (i + 1) * S * S) });
const pick = (idx: number[]): Int8Array => Int8Array.from(idx.flatMap((i) => Array.from(labels.subarray(i * L, (i + 1) * L))));

// `--dump PREFIX`: write the images (PREFIX.u8, count × S × S) and labels (PREFIX.json) for the
// PyTorch run of the same experiment (tests/bench/ml/dino_knn_reference.py), and stop.
if (a.dump !== undefined) {
  writeFileSync(`${a.dump}.u8`, pixels);
  const meta = { size: S, count: n, labels: DEMO_BIOMARKERS.map((b) => b.name), patients: patientOf, y: plans.map((p) => DEMO_BIOMARKERS.map((b) => p.labels[b.name])) };
  writeFileSync(`${a.dump}.json`, JSON.stringify(meta));
  console.log(`wrote ${n} images of ${S}x${S} to ${a.dump}.u8 and their labels to ${a.dump}.json`);
  process.exit(0);
}

// ---- engine and model ----
const engine = await loadEngine({ only: [a.backend as BackendName], env: {} });
const tf = engine.tf;
const backbone: BackboneSpec =
  a.arch === 'vit_custom'
    ? { arch: 'vit_custom', patch: int('patch'), custom: { embedDim: int('embed-dim'), depth: int('depth'), numHeads: int('heads') } }
    : a.arch === 'resnet18'
      ? { arch: 'resnet18', patch: 16 }
      : { arch: a.arch as 'vit_tiny' | 'vit_small', patch: int('patch') };
const B = int('batch');
const stepsPerEpoch = Math.floor(n / B);
const totalSteps = int('steps');
const epochs = Math.max(1, Math.ceil(totalSteps / stepsPerEpoch));
// As the pretrain job resolves a run's config: warm-up a tenth of the run, teacher memory ≤ T/10.
const config = makeDinoConfig({
  batchSize: B,
  epochs,
  warmupEpochs: Math.min(10, Math.floor(epochs / 10)),
  momentumTeacher: defaultTeacherMomentum(epochs * stepsPerEpoch),
  outDim: int('out-dim'),
  globalCropSize: int('global-size'),
  localCropSize: int('local-size'),
  localCropsNumber: int('local-crops'),
  ...(a.lr !== undefined ? { lr: Number(a.lr) } : {}),
  ...(a['teacher-temp'] !== undefined ? { teacherTemp: Number(a['teacher-temp']) } : {}),
  ...(a['head-hidden'] !== undefined ? { headHiddenDim: Number(a['head-hidden']) } : {}),
  ...(a.bottleneck !== undefined ? { headBottleneckDim: Number(a.bottleneck) } : {}),
  ...(a['momentum-teacher'] !== undefined ? { momentumTeacher: Number(a['momentum-teacher']) } : {}),
  ...(a['drop-path'] !== undefined ? { dropPathRate: Number(a['drop-path']) } : {}),
});
const micro = a['micro-batch'] !== undefined ? int('micro-batch') : defaultMicroBatch(a.backend!, backbone, config);
const model = buildDinoModel(tf, config, backbone, seed, stepsPerEpoch, micro);
const options = multiCropOptionsFromConfig(config);
const logK = Math.log(config.outDim);

async function knn(net: Backbone): Promise<{ macroAuroc: number | null; perLabel: Record<string, number | null> }> {
  const opts = { inputSize: config.globalCropSize, batchSize: 64 };
  const feats = (idx: number[]) => extractFeatures(tf, net, idx.length, async (s, e) => idx.slice(s, e).map(image), opts);
  const [fb, fq] = [await feats(bank), await feats(queries)];
  const r = knnMultiLabel(
    { dim: fb.dim, numLabels: L, bankFeatures: fb.features, bankLabels: pick(bank), queryFeatures: fq.features, queryLabels: pick(queries) },
    { k: KNN_K, temperature: KNN_TEMPERATURE, tf },
  );
  return { macroAuroc: r.macroAuroc, perLabel: Object.fromEntries(r.perLabel.map((l) => [DEMO_BIOMARKERS[l.label]!.name, l.auroc])) };
}

async function rawPixels(): Promise<number | null> {
  const flat = async (idx: number[]) => {
    const t = imagesToInput(tf, idx.map(image), { inputSize: config.globalCropSize });
    try {
      return (await t.data()) as Float32Array;
    } finally {
      t.dispose();
    }
  };
  const dim = config.globalCropSize ** 2;
  const r = knnMultiLabel({ dim, numLabels: L, bankFeatures: await flat(bank), bankLabels: pick(bank), queryFeatures: await flat(queries), queryLabels: pick(queries) }, { k: KNN_K, temperature: KNN_TEMPERATURE, tf });
  return r.macroAuroc;
}

const setting = { backend: engine.report.active.name, device: engine.report.active.device, backbone, images: n, bank: bank.length, queries: queries.length, size: S, batch: B, microBatch: micro ?? null, steps: totalSteps, momentumTeacher: config.momentumTeacher, headHiddenDim: config.headHiddenDim, headBottleneckDim: config.headBottleneckDim, dropPathRate: config.dropPathRate, outDim: config.outDim, lr: config.lr, teacherTemp: config.teacherTemp, seed };
console.log(JSON.stringify({ setting }));
const pixelsKnn = await rawPixels();
const untrained = await knn(model.teacher.backbone);
console.log(JSON.stringify({ step: 0, teacher: untrained, rawPixels: pixelsKnn }));

const t0 = performance.now();
const history: { step: number; seconds: number; knn: number | null; entropyRatio: number }[] = [];
let step = 0;
let [lastLoss, lastKl] = [NaN, NaN];
for (; step < totalSteps; step++) {
  const epoch = Math.floor(step / stepsPerEpoch);
  const order = epochOrder(n, seed, epoch);
  const within = step % stepsPerEpoch;
  const batch = new Uint8Array(B * S * S);
  for (let b = 0; b < B; b++) {
    const i = order[within * B + b]!;
    batch.set(pixels.subarray(i * S * S, (i + 1) * S * S), b * S * S);
  }
  const crops = multiCrop(tf, batch, { size: S, rng: augmentRng(seed, step), options });
  let last: Awaited<ReturnType<typeof dinoStep>>;
  try {
    last = await dinoStep(model.parts, crops, step, epoch);
    [lastLoss, lastKl] = [last.loss, last.kl];
  } finally {
    crops.globals.dispose();
    crops.locals?.dispose();
  }
  const seconds = (performance.now() - t0) / 1000;
  const done = step + 1 === totalSteps || seconds > Number(a['max-seconds']);
  if ((step + 1) % int('eval-every') === 0 || done) {
    const k = await knn(model.teacher.backbone);
    const entropyRatio = last.entropy / logK;
    history.push({ step: step + 1, seconds, knn: k.macroAuroc, entropyRatio });
    console.log(JSON.stringify({ step: step + 1, seconds: +seconds.toFixed(1), loss: last.loss, entropyRatio: +entropyRatio.toFixed(3), kl: last.kl, teacher: k, tensors: tf.memory().numTensors }));
  }
  if (done) {
    step++;
    break;
  }
}
const student = await knn(model.student.backbone);
const final = history.at(-1);
console.log(
  JSON.stringify({
    summary: {
      ...setting,
      stepsRun: step,
      secondsPerStep: final ? final.seconds / step : null,
      rawPixels: pixelsKnn,
      untrained: untrained.macroAuroc,
      final: final?.knn ?? null,
      best: Math.max(...history.map((h) => h.knn ?? 0)),
      student: student.macroAuroc,
      gain: final?.knn != null && untrained.macroAuroc != null ? final.knn - untrained.macroAuroc : null,
      entropyRatio: final?.entropyRatio ?? null,
      kl: lastKl,
      loss: lastLoss,
    },
  }),
);
model.dispose();
