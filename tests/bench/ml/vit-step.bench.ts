/**
 * One training step of the DINO student backbone on the wasm backend: forward + backward of
 * ViT-Tiny/16 (drop-path 0.1) on a batch of 32 multi-crop samples, i.e. 2 global crops at
 * 112x112 (64 images) and 4 local crops at 48x48 (128 images), with a stand-in scalar loss on
 * the [CLS] features. Compares tfjs's automatic differentiation with the custom gradients
 * (`gradMode: 'fast'`), prints seconds per step, achieved GFLOP/s, and a per-kernel profile.
 *
 *   npx tsx tests/bench/ml/vit-step.bench.ts [--steps N] [--micro M] [--skip-autodiff] [--cpu] [--profile]
 *
 * --micro M   images per micro-batch (gradients are accumulated; exact for a ViT). Default 32.
 * --cpu       also time the cpu backend on 1/8 of the batch and scale up (it runs ~1 GFLOP/s).
 */
import { parseArgs } from 'node:util';
import { loadEngine, type Tf } from '../../../src-main/ml/engine/index.js';
import { ViT } from '../../../src-main/ml/models/vit.js';
import { vitConfig, type ViTConfig } from '../../../src-main/ml/models/vit-config.js';
import type * as tfc from '@tensorflow/tfjs';

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: '2' },
    micro: { type: 'string', default: '32' },
    'skip-autodiff': { type: 'boolean', default: false },
    cpu: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
  },
});

interface Crops {
  size: number;
  count: number;
}
const FULL: Crops[] = [
  { size: 112, count: 64 },
  { size: 48, count: 128 },
];

/** Multiply-add FLOPs (x2) of one forward pass, matrix products only. */
function forwardFlops(c: ViTConfig, crops: readonly Crops[]): number {
  const d = c.embedDim;
  let total = 0;
  for (const { size, count } of crops) {
    const n = (size / c.patchSize) ** 2;
    const t = n + 1;
    const patch = 2 * n * c.patchSize * c.patchSize * c.inChans * d;
    const block = 2 * t * d * (3 * d + d + 2 * c.mlpRatio * d) + 2 * 2 * t * t * d;
    total += count * (patch + c.depth * block);
  }
  return total;
}

async function step(tf: Tf, vit: ViT, crops: readonly Crops[], micro: number, seed: number): Promise<void> {
  const vars = [...vit.variables.values()];
  const acc = new Map<string, tfc.Tensor>();
  let chunk = 0;
  for (const { size, count } of crops) {
    for (let start = 0; start < count; start += micro) {
      const n = Math.min(micro, count - start);
      const x = tf.randomUniform([n, size, size, 1], 0, 1, 'float32', seed + chunk) as tfc.Tensor4D;
      const { value, grads } = tf.variableGrads(() => {
        const y = vit.apply(x, { training: true, dropPathSeed: seed * 1000 + chunk });
        return tf.mean(tf.square(y)) as tfc.Scalar;
      }, vars);
      for (const [name, g] of Object.entries(grads)) {
        const prev = acc.get(name);
        acc.set(name, prev === undefined ? g : tf.tidy(() => tf.add(prev, g)));
        if (prev !== undefined) tf.dispose([prev, g]);
      }
      value.dispose();
      x.dispose();
      chunk++;
    }
  }
  // Read one value so that everything queued has run (wasm is synchronous anyway).
  await acc.values().next().value!.data();
  tf.dispose([...acc.values()]);
}

/** Seconds per step after a warm-up step, and the tensors left behind by the timed steps. */
async function timeSteps(
  tf: Tf,
  vit: ViT,
  crops: readonly Crops[],
  micro: number,
  steps: number,
): Promise<{ seconds: number; leaked: number }> {
  await step(tf, vit, crops, micro, 1); // warm-up: XNNPACK operators, interpolation matrices
  const before = tf.memory().numTensors;
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await step(tf, vit, crops, micro, 2 + i);
  return { seconds: (performance.now() - t0) / 1000 / steps, leaked: tf.memory().numTensors - before };
}

async function profile(tf: Tf, vit: ViT, crops: readonly Crops[], micro: number): Promise<void> {
  const backend = tf.getBackend();
  const info = await tf.profile(() => step(tf, vit, crops, micro, 99));
  const byKernel = new Map<string, { ms: number; calls: number }>();
  let total = 0;
  for (const k of info.kernels) {
    // Only registered kernels: a customGrad op appears too, wrapping the kernels inside it.
    if (tf.getKernel(k.name, backend) === undefined) continue;
    const ms = Number(await k.kernelTimeMs);
    const name = k.name === 'BatchMatMul' || k.name === '_FusedMatMul' ? `${k.name} ${k.inputShapes.map((s) => (s ?? []).length === 3 && s![0]! > 1 ? 'batched' : '2-D').join('x')}` : k.name;
    const e = byKernel.get(name) ?? { ms: 0, calls: 0 };
    e.ms += ms;
    e.calls++;
    byKernel.set(name, e);
    total += ms;
  }
  console.log(`  profile (${backend}, kernel time ${(total / 1000).toFixed(2)} s, peak ${(info.peakBytes / 2 ** 20).toFixed(0)} MiB):`);
  for (const [name, e] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 14)) {
    console.log(`    ${name.padEnd(34)} ${(e.ms / 1000).toFixed(2).padStart(6)} s  ${((100 * e.ms) / total).toFixed(1).padStart(5)}%  ${e.calls} calls`);
  }
}

async function run(backendName: 'wasm' | 'cpu', crops: readonly Crops[], scale: number): Promise<void> {
  const { tf, report } = await loadEngine({ only: [backendName], env: {} });
  console.log(`\n${backendName}: ${report.active.device ?? ''}`);
  const steps = Number(args.steps);
  const micro = Number(args.micro);
  const modes = args['skip-autodiff'] || backendName === 'cpu' ? (['fast'] as const) : (['autodiff', 'fast'] as const);
  const flops = 3 * forwardFlops(vitConfig('vit_tiny'), crops); // backward ≈ 2x forward
  for (const gradMode of modes) {
    const vit = new ViT(tf, vitConfig('vit_tiny', { patchSize: 16, dropPathRate: 0.1, gradMode }));
    const { seconds: s, leaked } = await timeSteps(tf, vit, crops, micro, gradMode === 'autodiff' ? 1 : steps);
    console.log(
      `  ${gradMode.padEnd(8)} ${(s * scale).toFixed(2).padStart(6)} s/step${scale !== 1 ? ` (scaled from 1/${scale} of the batch)` : ''}` +
        `  ${(flops / s / 1e9).toFixed(1)} GFLOP/s  (${(flops / 1e9).toFixed(0)} GFLOP/step, micro-batch ${micro}, tensors leaked ${leaked})`,
    );
    if (args.profile && gradMode === 'fast') await profile(tf, vit, crops, micro);
    vit.dispose();
  }
}

await run('wasm', FULL, 1);
if (args.cpu) await run('cpu', FULL.map((c) => ({ ...c, count: c.count / 8 })), 8);
