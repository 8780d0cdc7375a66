/**
 * Attention maps for one image (issue: under 1 s on these CPUs for ViT-Tiny/16 at 224 px): the
 * forward pass with the last block's attention, the per-head [CLS] maps and their mean, then
 * the overlay PNG of a 504 × 496 B-scan (4 panels). Median of 5 after one warm-up, per backend.
 *
 *   npx tsx tests/bench/ml/attention.bench.ts [--backends wasm,cpu] [--size 224]
 */
import { parseArgs } from 'node:util';
import { imagesToInput } from '../../../src-main/ml/embed/extract.js';
import { loadEngine } from '../../../src-main/ml/engine/index.js';
import { clsAttention } from '../../../src-main/ml/inspect/attention.js';
import { overlayPng } from '../../../src-main/ml/inspect/overlay.js';
import { vitConfig } from '../../../src-main/ml/models/vit-config.js';
import { ViT } from '../../../src-main/ml/models/vit.js';

const { values } = parseArgs({ options: { backends: { type: 'string', default: 'wasm' }, size: { type: 'string', default: '224' } } });
const size = Number(values.size);
const scan = { width: 504, height: 496, data: Uint8Array.from({ length: 504 * 496 }, (_, i) => (i * 7919) % 251) };
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

for (const backend of (values.backends as string).split(',')) {
  const { tf } = await loadEngine({ only: [backend as 'wasm'] });
  const vit = new ViT(tf, vitConfig('vit_tiny', { patchSize: 16 }));
  for (const rollout of [false, true]) {
    const maps: number[] = [];
    const total: number[] = [];
    for (let i = 0; i < 6; i++) {
      const t0 = performance.now();
      const input = imagesToInput(tf, [scan], { inputSize: size });
      const m = await clsAttention(tf, vit, input, { rollout });
      input.dispose();
      const t1 = performance.now();
      await overlayPng(scan.data, scan.width, scan.height, m, { threshold: 0.6, opacity: 0.5, colourMap: 'inferno' });
      const t2 = performance.now();
      if (i > 0) {
        maps.push((t1 - t0) / 1000);
        total.push((t2 - t0) / 1000);
      }
    }
    console.log(`${backend} ViT-Tiny/16 @${size}${rollout ? ' rollout' : ''}: maps ${median(maps).toFixed(3)} s, with the overlay PNG ${median(total).toFixed(3)} s (median of 5)`);
  }
  vit.dispose();
}
