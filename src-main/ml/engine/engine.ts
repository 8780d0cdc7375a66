/**
 * Picks the TensorFlow.js backend the app computes on, and says which one and why.
 *
 * `detectEngine` only probes (loads packages, asks for a GPU adapter) so that a settings page
 * or `octdino doctor` can show every candidate; `loadEngine` activates the first one that
 * works and proves it with a matrix product before any training relies on it. A backend that
 * fails to initialise or computes a wrong product is skipped, not discovered mid-run.
 */
import { createRequire } from 'node:module';
import { CANDIDATES, type AvailableProbe, type BackendCandidate, type ProbeResult } from './backends.js';
import { defaultLoader, firstLine } from './loader.js';
import {
  BACKEND_NAMES,
  EngineUnavailableError,
  isBackendName,
  type BackendName,
  type CandidateReport,
  type EngineReport,
  type LoadedEngine,
  type ModuleLoader,
  type Tf,
} from './types.js';

/** Environment variable that forces one backend, e.g. `OCTDINO_BACKEND=cpu`. */
export const BACKEND_ENV_VAR = 'OCTDINO_BACKEND';

export interface EngineOptions {
  /** Probe only these backends. */
  only?: readonly BackendName[];
  /** Never probe these backends. */
  exclude?: readonly BackendName[];
  /** How packages are loaded; tests stand in for packages that cannot be installed here. */
  loader?: ModuleLoader;
  /** Where OCTDINO_BACKEND (and OCTDINO_WASM_THREADS) are read from; defaults to `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}

interface Probed {
  candidate: BackendCandidate;
  result: ProbeResult;
}

interface Detection {
  tf: Tf;
  forced: BackendName | null;
  probed: Probed[];
}

function readForced(env: Readonly<Record<string, string | undefined>>): BackendName | null {
  const raw = env[BACKEND_ENV_VAR]?.trim().toLowerCase() ?? '';
  if (raw === '') return null;
  if (!isBackendName(raw)) {
    throw new EngineUnavailableError(
      `${BACKEND_ENV_VAR}=${raw} names no compute engine; use one of ${BACKEND_NAMES.join(', ')}, or unset it`,
      'UNKNOWN_BACKEND',
    );
  }
  return raw;
}

async function probeAll(options: EngineOptions): Promise<Detection> {
  const loader = options.loader ?? defaultLoader;
  const forced = readForced(options.env ?? process.env);
  const tf = (await loader('@tensorflow/tfjs')) as Tf;
  const selected = CANDIDATES.filter(
    (c) => (options.only === undefined || options.only.includes(c.name)) && !(options.exclude ?? []).includes(c.name),
  );
  const provided = new Set<BackendName>();
  const explicit = forced ?? (options.only?.length === 1 ? options.only[0]! : null);
  const probed: Probed[] = [];
  // Sequential on purpose: tfjs-node-gpu must be known to load before tfjs-node is tried.
  for (const candidate of selected) {
    let result: ProbeResult;
    try {
      result = await candidate.probe({ tf, loader, provided, explicit, env: options.env ?? process.env });
    } catch (err) {
      result = { available: false, reason: `probe failed: ${firstLine(err)}` };
    }
    if (result.available) provided.add(candidate.name);
    probed.push({ candidate, result });
  }
  return { tf, forced, probed };
}

const toCandidateReport = ({ candidate, result }: Probed): CandidateReport => ({
  name: candidate.name,
  package: candidate.package,
  version: result.version ?? null,
  available: result.available,
  reason: result.available ? 'available' : result.reason,
  device: result.available ? result.device : null,
});

/** Indices of the candidates to try, in order; throws when none can run. */
function attemptOrder({ forced, probed }: Detection): number[] {
  const order = probed.flatMap((p, i) => (p.result.available && (forced === null || p.candidate.name === forced) ? [i] : []));
  if (order.length > 0) return order;
  const candidates = probed.map(toCandidateReport);
  if (forced !== null) {
    const same = probed.filter((p) => p.candidate.name === forced);
    const why = same.length === 0 ? 'it is excluded by the options' : same.map(describeFailure).join('; ');
    const others = candidates.filter((c) => c.available).map((c) => c.name);
    throw new EngineUnavailableError(
      `${BACKEND_ENV_VAR}=${forced}, but ${forced} cannot run here: ${why}. ` +
        `Unset ${BACKEND_ENV_VAR}${others.length > 0 ? ` or use one of: ${[...new Set(others)].join(', ')}` : ''}.`,
      'FORCED_UNAVAILABLE',
      candidates,
    );
  }
  throw new EngineUnavailableError(
    `no compute engine can run: ${probed.map(describeFailure).join('; ') || 'every backend is excluded'}`,
    'NONE_AVAILABLE',
    candidates,
  );
}

function describeFailure({ candidate, result }: Probed): string {
  return `${candidate.label}: ${result.available ? 'available' : result.reason}`;
}

function buildReport(
  detection: Detection,
  activeIndex: number,
  refined: { device?: string | null; notes?: string[] } = {},
): EngineReport {
  const { tf, forced, probed } = detection;
  const active = probed[activeIndex]!;
  const result = active.result as AvailableProbe;
  const skipped = probed.slice(0, activeIndex).map((p) => p.candidate.label);
  const reason =
    forced !== null
      ? `forced by ${BACKEND_ENV_VAR}=${forced}`
      : skipped.length === 0
        ? 'fastest engine, available'
        : `fastest available (not available: ${skipped.join(', ')})`;
  const notes = [...active.candidate.notes, ...(refined.notes ?? [])];
  return {
    active: {
      name: active.candidate.name,
      package: active.candidate.package,
      version: result.version,
      device: refined.device === undefined ? result.device : refined.device,
      reason,
    },
    candidates: probed.map(toCandidateReport),
    tfjsVersion: tf.version.tfjs ?? tf.version_core,
    notes,
  };
}

/**
 * Probes every candidate in order of preference without switching backends, and reports
 * which one `loadEngine` would pick. Throws `EngineUnavailableError` (with every candidate's
 * reason) when OCTDINO_BACKEND forces one that cannot run.
 */
export async function detectEngine(options: EngineOptions = {}): Promise<EngineReport> {
  const detection = await probeAll(options);
  return buildReport(detection, attemptOrder(detection)[0]!);
}

/** A 2x2 product, plain and with a transposed operand (wasm takes a different path): null if right. */
async function verifyMatMul(tf: Tf): Promise<string | null> {
  const a = tf.tensor2d([
    [1, 2],
    [3, 4],
  ]);
  const b = tf.tensor2d([
    [5, 6],
    [7, 8],
  ]);
  const products = [tf.matMul(a, b), tf.matMul(a, b, false, true)];
  try {
    // data(), not dataSync(): on webgpu dataSync() was seen to return zeros.
    const got = await Promise.all(products.map(async (p) => Array.from(await p.data())));
    const want = [
      [19, 22, 43, 50],
      [17, 23, 39, 53],
    ];
    const ok = got.every((values, i) => values.every((v, j) => Math.abs(v - want[i]![j]!) < 1e-4));
    return ok ? null : `got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`;
  } finally {
    tf.dispose([a, b, ...products]);
  }
}

/**
 * Activates the best backend that works here (or the one OCTDINO_BACKEND forces), checks it
 * with a small matrix product, and returns the namespace to compute with plus the report.
 */
export async function loadEngine(options: EngineOptions = {}): Promise<LoadedEngine> {
  const detection = await probeAll(options);
  for (const index of attemptOrder(detection)) {
    const probed = detection.probed[index]!;
    const probe = probed.result as AvailableProbe;
    const { candidate } = probed;
    const undoPatches = candidate.beforeActivate?.(probe);
    let failure: string | null = null;
    let activated: boolean;
    try {
      activated = await probe.tf.setBackend(candidate.name);
    } finally {
      undoPatches?.();
    }
    if (!activated) {
      failure = `failed to initialise (tf.setBackend('${candidate.name}') returned false; TensorFlow.js logged why)`;
    } else {
      await probe.tf.ready();
      const wrong = await verifyMatMul(probe.tf);
      if (wrong !== null) failure = `computed a wrong matrix product: ${wrong}`;
    }
    if (failure === null) {
      const refined = candidate.afterActivate?.(probe.tf, probe) ?? {};
      return { tf: probe.tf, report: buildReport(detection, index, refined) };
    }
    probed.result = { available: false, reason: failure, version: probe.version };
    if (detection.forced !== null) {
      throw new EngineUnavailableError(
        `${BACKEND_ENV_VAR}=${detection.forced}, but ${candidate.label} ${failure}`,
        failure.startsWith('computed') ? 'VERIFY_FAILED' : 'FORCED_UNAVAILABLE',
        detection.probed.map(toCandidateReport),
      );
    }
  }
  // Every available candidate failed at activation: attemptOrder now throws with the reasons.
  attemptOrder(detection);
  throw new EngineUnavailableError('no compute engine can run', 'NONE_AVAILABLE');
}

export interface KernelSupport {
  backend: string;
  supported: string[];
  /** Registered for some backend, but not this one: ops that need them will throw here. */
  missing: string[];
  /** Registered for no backend at all: probably a misspelt kernel name (`MatMul` is `BatchMatMul`). */
  unknown: string[];
}

const requireForTf = createRequire(import.meta.url);

/**
 * Which of `kernelNames` the backend implements, so training code can refuse up front what
 * cannot run (a ResNet needs Conv2DBackpropFilter, which wasm lacks). The backend's package
 * must be loaded (detectEngine/loadEngine do it); pass `tf` from `loadEngine` when you have it.
 */
export function kernelSupport(
  backendName: string,
  kernelNames: readonly string[],
  tf: Tf = requireForTf('@tensorflow/tfjs') as Tf,
): KernelSupport {
  if (!tf.findBackendFactory(backendName)) {
    throw new EngineUnavailableError(
      `backend '${backendName}' is not registered: load it first (detectEngine or loadEngine does)`,
      'NONE_AVAILABLE',
    );
  }
  const registered = Object.keys(tf.engine().registryFactory);
  const result: KernelSupport = { backend: backendName, supported: [], missing: [], unknown: [] };
  for (const kernel of kernelNames) {
    if (tf.getKernel(kernel, backendName)) result.supported.push(kernel);
    else if (registered.some((b) => tf.getKernel(kernel, b))) result.missing.push(kernel);
    else result.unknown.push(kernel);
  }
  return result;
}
