/**
 * Multi-crop augmentation time per batch of 32 training-cache records (256×256 8-bit), on the
 * wasm and cpu backends, for the product crops (2×112 + 4×48) and the reference crops
 * (2×224 + 8×96). It must stay small next to a training step (~10+ s on wasm for ViT-Tiny).
 *
 *   npx tsx tests/bench/ml/augment.bench.ts [iterations]     (default 5)
 */
import type { Tensor } from '@tensorflow/tfjs';
import { augmentRng, DEFAULT_MULTI_CROP, multiCrop } from '../../../src-main/ml/augment/multi-crop.js';
import { loadEngine } from '../../../src-main/ml/engine/index.js';
import { createRng } from '../../../src-main/random/rng.js';

const iterations = Number(process.argv[2] ?? 5);
const B = 32;
const S = 256;
const rng = createRng(1);
const batch = Uint8Array.from({ length: B * S * S }, () => rng.int(0, 255));

const setups = [
  { name: '2x112 + 4x48', options: { ...DEFAULT_MULTI_CROP, globalSize: 112, localSize: 48, localCrops: 4 } },
  { name: '2x224 + 8x96', options: { ...DEFAULT_MULTI_CROP, globalSize: 224, localSize: 96, localCrops: 8 } },
];

const { tf, report } = await loadEngine({ only: ['wasm', 'cpu'], env: {} });
console.log(`tfjs ${report.tfjsVersion}; wasm device: ${report.active.device ?? '?'}`);
for (const backend of ['wasm', 'cpu'] as const) {
  await tf.setBackend(backend);
  for (const { name, options } of setups) {
    const times: number[] = [];
    for (let i = 0; i <= iterations; i++) {
      const t0 = performance.now();
      const { globals, locals } = multiCrop(tf, batch, { size: S, rng: augmentRng(7, i), options });
      await globals.data(); // wait for the backend, as the step would
      if (locals) await locals.data();
      const ms = performance.now() - t0;
      tf.dispose([globals, locals].filter((t): t is NonNullable<typeof t> => t !== null) as Tensor[]);
      if (i > 0) times.push(ms); // the first call includes kernel set-up
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)]!;
    console.log(`${backend.padEnd(4)} ${name}: median ${median.toFixed(0)} ms/batch (min ${times[0]!.toFixed(0)}, max ${times.at(-1)!.toFixed(0)}; ${iterations} runs), tensors ${tf.memory().numTensors}`);
  }
}
