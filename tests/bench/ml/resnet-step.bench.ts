/**
 * One training step of a ResNet-18 backbone: forward + backward (BN on batch statistics) of a
 * batch of 32 grey images at 112x112 with a stand-in scalar loss on the features, on wasm (with
 * the convolution gradients of engine/wasm-kernels.ts) and optionally on cpu. Prints seconds per
 * step and, with --profile, where the time goes per kernel.
 *
 *   npx tsx tests/bench/ml/resnet-step.bench.ts [--steps N] [--batch B] [--size S] [--cpu] [--profile]
 *
 * --cpu   also time the cpu backend (on 1/8 of the batch, scaled up: it runs ~1 GFLOP/s).
 */
import { parseArgs } from 'node:util';
import { loadEngine, type Tf } from '../../../src-main/ml/engine/index.js';
import { registerWasmTrainingKernels } from '../../../src-main/ml/engine/wasm-kernels.js';
import { ResNet } from '../../../src-main/ml/models/resnet.js';
import { resnetConfig, resnetTensorSpecs } from '../../../src-main/ml/models/resnet-init.js';
import type * as tfc from '@tensorflow/tfjs';

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: '2' },
    batch: { type: 'string', default: '32' },
    size: { type: 'string', default: '112' },
    cpu: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
  },
});

/** Multiply-add FLOPs (x2) of one forward pass through the convolutions of ResNet-18. */
function forwardFlops(batch: number, size: number): number {
  let total = 0;
  let side = size / 2; // after conv1 (stride 2)
  for (const spec of resnetTensorSpecs(resnetConfig())) {
    if (spec.shape.length !== 4) continue;
    const [out, inp, k] = spec.shape as [number, number, number, number];
    if (spec.name === 'layer1.0.conv1.weight') side = Math.ceil(side / 2); // max-pool
    const strided = /layer[234]\.0\.(conv1|downsample\.0)/.test(spec.name);
    const outSide = strided ? Math.ceil(side / 2) : side;
    total += 2 * batch * outSide * outSide * out * inp * k * k;
    if (/layer[234]\.0\.conv1/.test(spec.name)) side = outSide;
  }
  return total;
}

async function step(tf: Tf, net: ResNet, batch: number, size: number, seed: number): Promise<void> {
  const x = tf.randomUniform([batch, size, size, 1], 0, 1, 'float32', seed) as tfc.Tensor4D;
  const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(net.apply(x, { training: true }))) as tfc.Scalar);
  await value.data();
  tf.dispose([x, value, ...Object.values(grads)]);
}

async function timeSteps(tf: Tf, batch: number, size: number, steps: number): Promise<number> {
  const net = new ResNet(tf, resnetConfig());
  try {
    await step(tf, net, batch, size, 0); // warm-up: XNNPACK operator creation, memory growth
    const t0 = performance.now();
    for (let s = 0; s < steps; s++) await step(tf, net, batch, size, s + 1);
    return (performance.now() - t0) / 1000 / steps;
  } finally {
    net.dispose();
  }
}

async function profile(tf: Tf, batch: number, size: number): Promise<void> {
  const net = new ResNet(tf, resnetConfig());
  try {
    await step(tf, net, batch, size, 0);
    const info = await tf.profile(() => step(tf, net, batch, size, 1));
    const byKernel = new Map<string, { ms: number; calls: number }>();
    for (const k of info.kernels) {
      const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
      byKernel.set(k.name, { ms: e.ms + ms, calls: e.calls + 1 });
    }
    const total = [...byKernel.values()].reduce((s, e) => s + e.ms, 0);
    console.log(`  per kernel (top-level kernels; ours include the ops they run), total ${(total / 1000).toFixed(2)} s:`);
    for (const [name, e] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 16)) {
      console.log(`    ${name.padEnd(28)} ${(e.ms / 1000).toFixed(3)} s  ${((100 * e.ms) / total).toFixed(1).padStart(5)} %  ${e.calls} calls`);
    }
  } finally {
    net.dispose();
  }
}

async function main(): Promise<void> {
  const steps = Number(args.steps);
  const batch = Number(args.batch);
  const size = Number(args.size);
  const { tf, report } = await loadEngine({ only: ['wasm'], env: {} });
  registerWasmTrainingKernels(tf);
  const flops = 3 * forwardFlops(batch, size); // forward + dx + dW
  console.log(`ResNet-18, batch ${batch} at ${size}x${size}, 1 channel; ${(flops / 1e9).toFixed(1)} GFLOP per step (convolutions)`);
  const wasm = await timeSteps(tf, batch, size, steps);
  console.log(`wasm (${report.active.device}): ${wasm.toFixed(2)} s/step, ${(flops / wasm / 1e9).toFixed(1)} GFLOP/s`);
  if (args.profile) await profile(tf, batch, size);
  if (args.cpu) {
    await tf.setBackend('cpu');
    const part = Math.max(2, Math.round(batch / 8));
    const cpu = (await timeSteps(tf, part, size, 1)) * (batch / part);
    console.log(`cpu: ${cpu.toFixed(1)} s/step (batch ${part}, scaled to ${batch})`);
  }
}

await main();
