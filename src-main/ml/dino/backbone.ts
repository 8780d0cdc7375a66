/**
 * The backbone contract DINO trains (ViT or ResNet): crops in, one feature vector per crop out.
 * Defined by the model code; re-exported here so the DINO modules name one source.
 */
export type { Backbone, BackboneApplyOptions } from '../models/backbone.js';
