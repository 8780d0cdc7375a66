/**
 * Weights in and out for whichever backbone a run has: torchvision names for a ResNet, the
 * DINO/timm names for a ViT. One place decides, so pretraining, fine-tuning, the feature cache
 * and the Inspect tools load a file the same way.
 */
import type { Backbone } from '../models/backbone.js';
import { ResNet } from '../models/resnet.js';
import { ViT } from '../models/vit.js';
import { exportResNetWeights, loadResNetWeights } from './resnet-weights.js';
import type { SafetensorsTensor } from './safetensors.js';
import { exportViTWeights, loadViTWeights } from './vit-weights.js';

export function loadBackboneWeights(backbone: Backbone, tensors: ReadonlyMap<string, SafetensorsTensor>): void {
  if (backbone instanceof ResNet) loadResNetWeights(backbone, tensors);
  else if (backbone instanceof ViT) loadViTWeights(backbone, tensors);
  else throw new Error(`no weights loader for a ${backbone.name} backbone`);
}

/**
 * A backbone's weights as a safetensors file under the reference names. Every value is read back
 * with `await data()` first: the exporters read synchronously, which WebGPU under Node cannot do
 * for a tensor on the GPU (tfjs-backend-webgpu's readSync needs OffscreenCanvas), while after an
 * awaited read the value is cached on the CPU and the synchronous read returns it.
 */
export async function exportBackboneWeights(backbone: Backbone, metadata: Record<string, string>): Promise<Uint8Array> {
  if (backbone instanceof ResNet) {
    await Promise.all(backbone.stateEntries().map(([, v]) => v.data()));
    return exportResNetWeights(backbone, metadata);
  }
  if (backbone instanceof ViT) {
    await Promise.all([...backbone.variables.values()].map((v) => v.data()));
    return exportViTWeights(backbone, metadata);
  }
  throw new Error(`no weights exporter for a ${backbone.name} backbone`);
}
