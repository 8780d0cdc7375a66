/**
 * Shared types of the compute engine: which TensorFlow.js backend runs the model, why it was
 * chosen, and the typed error raised when the engine asked for cannot run. Kept apart from
 * the probes so that the report can be imported (e.g. by the API layer) without loading
 * TensorFlow.js.
 */
import type * as TfNamespace from '@tensorflow/tfjs';

/** The TensorFlow.js namespace (`@tensorflow/tfjs`), as loaded at run time. */
export type Tf = typeof TfNamespace;

/** TensorFlow.js backend names, in the order the engine prefers them. */
export const BACKEND_NAMES = ['tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export function isBackendName(value: string): value is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(value);
}

/**
 * Loads a module by package name. Injectable so that tests can stand in for packages that
 * cannot be installed on the build machines (tfjs-node-gpu needs libtensorflow + CUDA).
 */
export type ModuleLoader = (name: string) => Promise<unknown>;

export interface CandidateReport {
  name: BackendName;
  /** npm package that provides the backend, e.g. `@tensorflow/tfjs-node-gpu`. */
  package: string;
  /** Version of that package when it loaded, else null. */
  version: string | null;
  available: boolean;
  /** "available", or a short human reason why not ("not installed", "no GPU adapter"). */
  reason: string;
  /** What it computes on, where known: a GPU name, "CPU, SIMD on, 1 thread", "JavaScript". */
  device: string | null;
}

export interface EngineReport {
  active: {
    name: BackendName;
    package: string;
    version: string | null;
    device: string | null;
    /** Why this one: forced by OCTDINO_BACKEND, or the first available in preference order. */
    reason: string;
  };
  candidates: CandidateReport[];
  tfjsVersion: string;
  /** Known limitations of the active backend, and anything odd found while loading it. */
  notes: string[];
}

export interface LoadedEngine {
  /** The TensorFlow.js namespace to use: its active backend is `report.active.name`. */
  tf: Tf;
  report: EngineReport;
}

export type EngineErrorCode =
  | 'UNKNOWN_BACKEND' // OCTDINO_BACKEND names no backend
  | 'FORCED_UNAVAILABLE' // OCTDINO_BACKEND names a backend that cannot run here
  | 'NONE_AVAILABLE' // every candidate failed (only possible with only/exclude, or a broken install)
  | 'VERIFY_FAILED'; // a backend initialised but computed a wrong matrix product

/**
 * The engine that was asked for cannot run. Carries the probe results so that a caller (the
 * CLI's `doctor`, the settings page) can still show every candidate and its reason.
 */
export class EngineUnavailableError extends Error {
  override readonly name = 'EngineUnavailableError';
  constructor(
    message: string,
    readonly code: EngineErrorCode,
    readonly candidates: readonly CandidateReport[] = [],
  ) {
    super(message);
  }
}
