/**
 * DINO step speed: `octdino bench dino-step` on every TensorFlow.js backend available here,
 * beside the same step in PyTorch (Debian python3-torch, OMP_WAIT_POLICY=PASSIVE so its two
 * thread pools do not fight over the cores), in one run, with the ratio. The product's goal on
 * these CPUs: at least half the reference's images/s.
 *
 *   npx tsx tests/bench/dino-step.bench.ts [--steps 3] [--batch 32] [--backends wasm,cpu]
 *
 * Default setting (the issue's): ViT-Tiny/16, 2x112 global + 4x48 local crops, batch 32, K = 4096.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { steps: { type: 'string', default: '3' }, batch: { type: 'string', default: '32' }, backends: { type: 'string', default: 'wasm' } },
});
const root = path.resolve(import.meta.dirname, '../..');
const common = ['--patch', '16', '--global-size', '112', '--local-size', '48', '--local-crops', '4', '--batch', values.batch as string, '--out-dim', '4096', '--steps', values.steps as string];

const results: { who: string; imagesPerSec: number; stepSecondsMedian: number }[] = [];
for (const backend of (values.backends as string).split(',')) {
  const out = execFileSync(process.execPath, [path.join(root, 'bin/octdino.js'), 'bench', 'dino-step', '--arch', 'vit_tiny', ...common, '--backend', backend, '--json'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  const r = JSON.parse(out) as { backend: string; imagesPerSec: number; stepSecondsMedian: number; augmentSecondsMedian: number };
  console.log(`tfjs ${r.backend}: ${r.stepSecondsMedian.toFixed(2)} s/step, ${r.imagesPerSec.toFixed(2)} images/s (augmentation ${(r.augmentSecondsMedian * 1000).toFixed(0)} ms/batch)`);
  results.push({ who: `tfjs ${r.backend}`, ...r });
}

try {
  const out = execFileSync('/usr/bin/python3', [path.join(root, 'tests/bench/dino_step_reference.py'), '--embed', '192', '--depth', '12', '--heads', '3', ...common], {
    encoding: 'utf8',
    env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' },
  });
  const ref = JSON.parse(out) as { backend: string; imagesPerSec: number; stepSecondsMedian: number };
  console.log(`${ref.backend}: ${ref.stepSecondsMedian.toFixed(2)} s/step, ${ref.imagesPerSec.toFixed(2)} images/s`);
  for (const r of results) console.log(`${r.who} / PyTorch = ${(r.imagesPerSec / ref.imagesPerSec).toFixed(2)} of the reference's images/s (goal ≥ 0.5)`);
} catch (err) {
  console.log(`PyTorch reference not run (${(err as Error).message.split('\n')[0]}): apt-get install python3-torch libopenblas0-pthread`);
}
