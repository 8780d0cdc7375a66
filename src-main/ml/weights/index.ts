/** Weights files: the safetensors format, and ViT weights under the reference's names. */
export {
  MAX_HEADER_BYTES,
  readSafetensors,
  SAFETENSORS_DTYPES,
  SafetensorsError,
  writeSafetensors,
} from './safetensors.js';
export type { SafetensorsDtype, SafetensorsErrorCode, SafetensorsFile, SafetensorsTensor, WritableTensor } from './safetensors.js';
export { exportViTWeights, loadViTWeights, VIT_PREFIXES, ViTWeightsError } from './vit-weights.js';
export type { LoadViTWeightsOptions, ViTLoadReport } from './vit-weights.js';
