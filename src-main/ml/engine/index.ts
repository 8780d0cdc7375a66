/**
 * Compute engine: which TensorFlow.js backend runs the model, chosen at run time (CUDA, native
 * CPU, WebGPU, wasm, cpu), and a report of why. Everything else in `ml/` takes the `tf` that
 * `loadEngine` returns rather than importing a backend itself.
 */
export { BACKEND_ENV_VAR, detectEngine, kernelSupport, loadEngine } from './engine.js';
export type { EngineOptions, KernelSupport } from './engine.js';
export { CANDIDATES, CPU_SPEED_NOTE, WASM_CONV_NOTE } from './backends.js';
export type { BackendCandidate, ProbeContext, ProbeResult } from './backends.js';
export { candidateLabel, formatEngineReport, GPU_INSTALL_HINT } from './format.js';
export { defaultLoader } from './loader.js';
export { BACKEND_NAMES, EngineUnavailableError, isBackendName } from './types.js';
export type {
  BackendName,
  CandidateReport,
  EngineErrorCode,
  EngineReport,
  LoadedEngine,
  ModuleLoader,
  Tf,
} from './types.js';
