/**
 * Backbones for DINO: the `Backbone` contract and the Vision Transformer (reference names,
 * shapes and initialisation; custom gradients that keep the wasm backend on its fast path).
 */
export type { Backbone, BackboneApplyOptions } from './backbone.js';
export { ViT, ViTInputError } from './vit.js';
export type { ViTFeatures } from './vit.js';
export { customViTConfig, VIT_PRESETS, vitConfig, ViTConfigError } from './vit-config.js';
export type { ViTConfig, ViTPreset } from './vit-config.js';
export type { GradMode } from './linear.js';
export { PatchSizeError } from './patch-embed.js';
export { bicubicGridMatrix, referencePosEmbedMatrix } from './pos-embed.js';
