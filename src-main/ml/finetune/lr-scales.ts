/**
 * Per-parameter learning-rate multipliers for fine-tuning: the new head learns at the full lr,
 * the pretrained backbone at `backboneLrScale` of it, and with layer-wise decay (BEiT, MAE
 * fine-tuning) each ViT block one factor `layerDecay` slower than the block above it — the
 * early blocks hold the most general features and change least. The embeddings count as layer
 * 0, block i as layer i + 1, the final norm as layer depth + 1.
 */
import type { Backbone } from '../models/backbone.js';
import { ViT } from '../models/vit.js';

export function vitLayerId(name: string, depth: number): number {
  if (name === 'cls_token' || name === 'pos_embed' || name.startsWith('patch_embed.')) return 0;
  const block = /^blocks\.(\d+)\./.exec(name);
  if (block) return Number(block[1]) + 1;
  return depth + 1;
}

/** Multipliers keyed `backbone.<name>` (head parameters are left at 1). */
export function fineTuneLrScales(backbone: Backbone, backboneLrScale: number, layerDecay: number): Map<string, number> {
  const scales = new Map<string, number>();
  const depth = backbone instanceof ViT ? backbone.config.depth : 0;
  for (const name of backbone.variables.keys()) {
    const decay = backbone instanceof ViT ? layerDecay ** (depth + 1 - vitLayerId(name, depth)) : 1;
    scales.set(`backbone.${name}`, backboneLrScale * decay);
  }
  return scales;
}
