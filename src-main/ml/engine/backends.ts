/**
 * The candidate TensorFlow.js backends, fastest first, each with a probe that loads its
 * package and says whether it can run here (and on what), without switching to it.
 *
 * Order: CUDA via tfjs-node-gpu, native CPU TensorFlow via tfjs-node, WebGPU via Dawn (any GPU
 * vendor), then the always-present fallbacks wasm (XNNPACK) and cpu (plain JavaScript).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { packageDir, tryLoad } from './loader.js';
import type { BackendName, ModuleLoader, Tf } from './types.js';
import { WASM_THREADS_ENV_VAR, currentCpuFacts, enableNodeWasmThreads, planWasmThreads, type WasmThreadPlan } from './wasm-threads.js';

export interface ProbeContext {
  /** The `@tensorflow/tfjs` namespace the app uses. */
  tf: Tf;
  loader: ModuleLoader;
  /** Backends an earlier available candidate already provides in this process. */
  provided: ReadonlySet<BackendName>;
  /** The backend asked for by name (OCTDINO_BACKEND, or `only` naming just one), if any. */
  explicit?: BackendName | null;
  /** Environment the engine reads its settings from (OCTDINO_WASM_THREADS); process.env if absent. */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface AvailableProbe {
  available: true;
  device: string | null;
  version: string | null;
  /** Namespace whose engine has this backend registered (tfjs-node may bring its own copy). */
  tf: Tf;
  /** The loaded package, for activation hooks. */
  module: unknown;
}

export type ProbeResult = AvailableProbe | { available: false; reason: string; version?: string | null };

export interface BackendCandidate {
  name: BackendName;
  package: string;
  /** Short human label; two candidates share the name `tensorflow`. */
  label: string;
  /** Known limitations, shown when this backend is active. */
  notes: readonly string[];
  probe(ctx: ProbeContext): Promise<ProbeResult>;
  /**
   * Set-up that must happen before `tf.setBackend` (wasm file paths, threads); may return the
   * function that undoes temporary patches, called once setBackend has settled.
   */
  beforeActivate?(probe: AvailableProbe): (() => void) | void;
  /** After activation, when the device is known exactly (thread count, CUDA device found). */
  afterActivate?(tf: Tf, probe: AvailableProbe): { device?: string | null; notes?: string[] };
}

export const WASM_CONV_NOTE =
  'no built-in Conv2DBackpropFilter: ResNet training on wasm uses the app\'s own convolution-gradient kernels (engine/wasm-kernels.ts; slow, ~14 s per ResNet-18 step at batch 32 x 112 px); ViT is the fast path';
export const CPU_SPEED_NOTE =
  'JavaScript kernels: ~30x slower than wasm for matrix products; fine for tests, too slow for real training';

const unavailable = (reason: string): ProbeResult => ({ available: false, reason });

/** The GPU's marketing name from nvidia-smi, or null; never throws, never waits long. */
function nvidiaGpuName(): Promise<string | null> {
  return new Promise((resolve) => {
    execFile('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { timeout: 3000 }, (err, stdout) => {
      const name = err ? '' : (stdout.split('\n')[0] ?? '').trim();
      resolve(name === '' ? null : name);
    });
  });
}

type TfLike = Partial<Pick<Tf, 'findBackendFactory' | 'setBackend'>> & { version?: Record<string, string> };

/** tfjs-node and tfjs-node-gpu both register the `tensorflow` backend from libtensorflow. */
function tensorflowCandidate(pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node'): BackendCandidate {
  const gpu = pkg === '@tensorflow/tfjs-node-gpu';
  return {
    name: 'tensorflow',
    package: pkg,
    label: `tensorflow (${pkg.slice('@tensorflow/'.length)})`,
    notes: [],
    async probe(ctx) {
      // Loading both packages would load two libtensorflows into one process.
      if (ctx.provided.has('tensorflow')) {
        return unavailable("not probed: @tensorflow/tfjs-node-gpu already provides the 'tensorflow' backend");
      }
      const loaded = await tryLoad(ctx.loader, pkg, 'libtensorflow');
      if (!loaded.ok) return unavailable(loaded.reason);
      const mod = loaded.module as TfLike;
      // tfjs-node registers into the tfjs-core it requires; if npm nested a second copy, the
      // package's own namespace (it re-exports all of tfjs) is the one that has the backend.
      const tf = ctx.tf.findBackendFactory('tensorflow')
        ? ctx.tf
        : typeof mod.findBackendFactory === 'function' && mod.findBackendFactory('tensorflow')
          ? (mod as Tf)
          : null;
      if (tf === null) return unavailable("installed but did not register the 'tensorflow' backend");
      const device = gpu ? ((await nvidiaGpuName()) ?? 'CUDA GPU') : 'CPU (native TensorFlow)';
      return { available: true, device, version: mod.version?.['tfjs-node'] ?? null, tf, module: mod };
    },
    afterActivate(tf) {
      // The GPU build silently runs on the CPU when CUDA/cuDNN cannot be opened at run time.
      const backend = tf.backend() as { isUsingGpuDevice?: boolean };
      if (gpu && backend.isUsingGpuDevice === false) {
        return {
          device: 'CPU (TensorFlow found no usable CUDA device)',
          notes: ['tfjs-node-gpu loaded but runs on the CPU: check the CUDA 11.x + cuDNN 8 install'],
        };
      }
      return {};
    },
  };
}

interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; description?: string; device?: string; isFallbackAdapter?: boolean };
}
interface GpuLike {
  requestAdapter(): Promise<GpuAdapterLike | null>;
}
interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: object;
}

/** The version field of an installed package's package.json, or null. */
function packageVersion(name: string): string | null {
  const dir = packageDir(name);
  if (dir === null) return null;
  try {
    const version = (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version?: unknown }).version;
    return typeof version === 'string' ? version : null;
  } catch {
    return null;
  }
}

/**
 * A CPU-emulated Vulkan device (SwiftShader, Mesa's lavapipe/llvmpipe): WebGPU on it computes
 * correctly but ~10x slower than the plain cpu backend, so it is never picked on its own.
 */
export function isSoftwareAdapter(info: NonNullable<GpuAdapterLike['info']>): boolean {
  if (info.isFallbackAdapter === true) return true;
  const text = [info.vendor, info.architecture, info.device, info.description].join(' ');
  return /swiftshader|llvmpipe|lavapipe|software/i.test(text);
}

/**
 * WebGPU in Node needs Dawn (`webgpu` package) installed as `navigator.gpu` first. Dawn finds
 * GPUs through the Vulkan loader (libvulkan1 on Linux); `VK_ICD_FILENAMES` picks a driver.
 */
const webgpuCandidate: BackendCandidate = {
  name: 'webgpu',
  package: '@tensorflow/tfjs-backend-webgpu',
  label: 'webgpu',
  notes: [
    'read results with `await tensor.data()`: under Node `dataSync()` throws for a tensor on the GPU (readSync needs OffscreenCanvas; in Chromium, SwiftShader returned zeros)',
  ],
  async probe(ctx) {
    const g = globalThis as { navigator?: { gpu?: GpuLike } };
    if (g.navigator?.gpu === undefined) {
      const dawn = await tryLoad(ctx.loader, 'webgpu', 'Dawn');
      if (!dawn.ok) {
        const detail = packageDir(this.package) === null ? '' : ': the `webgpu` package (Dawn for Node) is missing';
        return unavailable(dawn.reason === 'not installed' ? `not installed${detail}` : dawn.reason);
      }
      // tfjs-backend-webgpu registers itself only if navigator.gpu exists when it is loaded.
      const { create, globals } = dawn.module as DawnModule;
      Object.assign(globalThis, globals);
      g.navigator ??= {};
      g.navigator.gpu = create([]);
    }
    const loaded = await tryLoad(ctx.loader, this.package);
    if (!loaded.ok) return unavailable(loaded.reason);
    // The package exports no version constant; its package.json has one.
    const version = (loaded.module as { version_webgpu?: string }).version_webgpu ?? packageVersion(this.package);
    const gpu = g.navigator?.gpu;
    const adapter = gpu ? await gpu.requestAdapter() : null;
    if (adapter === null) return { available: false, version, reason: 'no GPU adapter' };
    if (!ctx.tf.findBackendFactory('webgpu')) return { available: false, version, reason: "installed but did not register the 'webgpu' backend" };
    const info = adapter.info ?? {};
    const device = info.description || [info.vendor, info.architecture].filter(Boolean).join(' ') || 'GPU';
    if (isSoftwareAdapter(info) && ctx.explicit !== 'webgpu') {
      return {
        available: false,
        version,
        reason: `only a software adapter (${device}): slower than wasm; set OCTDINO_BACKEND=webgpu to use it anyway`,
      };
    }
    return { available: true, device: isSoftwareAdapter(info) ? `${device} (software)` : device, version, tf: ctx.tf, module: loaded.module };
  },
};

interface WasmModule {
  version_wasm?: string;
  setWasmPaths?(prefix: string): void;
  setThreadsCount?(n: number): void;
  getThreadsCount?(): number;
}
const wasmPathsSet = new WeakSet<object>();
/** Thread count planned by the probe, per loaded wasm package (absent: single-threaded build). */
const nodeWasmThreads = new WeakMap<object, number>();
const isNode = (): boolean => typeof process !== 'undefined' && typeof process.versions?.node === 'string';

function wasmThreadPlan(env: ProbeContext['env']): WasmThreadPlan | { error: string } {
  try {
    return planWasmThreads(env ?? process.env, currentCpuFacts());
  } catch (err) {
    return { error: (err as Error).message };
  }
}

async function flag(tf: Tf, name: string): Promise<boolean> {
  try {
    return (await tf.env().getAsync(name)) === true;
  } catch {
    return false; // flag not registered: treat the feature as absent
  }
}

const wasmDevice = (simd: boolean, threads: string): string => `CPU, SIMD ${simd ? 'on' : 'off'}, ${threads}`;

const wasmCandidate: BackendCandidate = {
  name: 'wasm',
  package: '@tensorflow/tfjs-backend-wasm',
  label: 'wasm',
  notes: [
    WASM_CONV_NOTE,
    `memory capped at 4 GiB: train in micro-batches with gradient accumulation; ${WASM_THREADS_ENV_VAR} sets the thread count`,
  ],
  async probe(ctx) {
    const loaded = await tryLoad(ctx.loader, this.package);
    if (!loaded.ok) return unavailable(loaded.reason);
    const mod = loaded.module as WasmModule;
    if (!ctx.tf.findBackendFactory('wasm')) {
      return unavailable('installed but registered with another copy of @tensorflow/tfjs-core (duplicate install)');
    }
    const simd = await flag(ctx.tf, 'WASM_HAS_SIMD_SUPPORT');
    const dir = packageDir(this.package);
    // Under Node tfjs turns its threaded build off; wasm-threads.ts turns it back on.
    const threads = simd && dir !== null && isNode() ? wasmThreadPlan(ctx.env) : { threads: 1, reason: 'single-threaded build' };
    if ('error' in threads) return unavailable(threads.error);
    if (threads.threads > 1) nodeWasmThreads.set(mod, threads.threads);
    // The binary is read from disk only at setBackend time; check now that it is there.
    const file = simd ? (threads.threads > 1 ? 'tfjs-backend-wasm-threaded-simd.wasm' : 'tfjs-backend-wasm-simd.wasm') : 'tfjs-backend-wasm.wasm';
    if (dir !== null && !existsSync(path.join(dir, 'dist', file))) {
      return unavailable(`installed but ${file} is missing from ${path.join(dir, 'dist')}`);
    }
    const device = wasmDevice(simd, threads.threads > 1 ? `${threads.threads} threads (${threads.reason})` : '1 thread');
    return { available: true, device, version: mod.version_wasm ?? null, tf: ctx.tf, module: mod };
  },
  beforeActivate(probe) {
    const mod = probe.module as WasmModule;
    const dir = packageDir(this.package);
    if (dir === null) return;
    // The Node (CommonJS) build finds its .wasm next to itself; the ESM build, which a bundler
    // may pick, does not. The prefix is concatenated with the file name: keep the trailing '/'.
    if (typeof mod.setWasmPaths === 'function' && !wasmPathsSet.has(mod)) {
      try {
        mod.setWasmPaths(path.join(dir, 'dist') + path.sep);
        wasmPathsSet.add(mod);
      } catch {
        // Throws only after a failed initialisation; setBackend will then report the failure.
      }
    }
    const threads = nodeWasmThreads.get(mod);
    if (threads === undefined) return;
    try {
      return enableNodeWasmThreads(probe.tf, mod, dir, threads);
    } catch {
      // The pool's scripts could not be written (no writable, private temp folder): the single-threaded
      // build still runs, and afterActivate reports the thread count it really has.
      return;
    }
  },
  afterActivate(tf, probe) {
    const count = (probe.module as WasmModule).getThreadsCount?.();
    if (count === undefined) return {};
    if (probe.device?.includes(`, ${count} threads (`)) return {}; // as planned; keep the reason
    const simd = probe.device?.includes('SIMD on') ?? false;
    return { device: wasmDevice(simd, count === 1 ? '1 thread' : `${count} threads`) };
  },
};

const cpuCandidate: BackendCandidate = {
  name: 'cpu',
  package: '@tensorflow/tfjs-backend-cpu',
  label: 'cpu',
  notes: [CPU_SPEED_NOTE],
  async probe(ctx) {
    if (!ctx.tf.findBackendFactory('cpu')) return unavailable("@tensorflow/tfjs did not register the 'cpu' backend");
    return { available: true, device: 'JavaScript', version: ctx.tf.version['tfjs-backend-cpu'], tf: ctx.tf, module: ctx.tf };
  },
};

/** All candidates, in order of preference. */
export const CANDIDATES: readonly BackendCandidate[] = [
  tensorflowCandidate('@tensorflow/tfjs-node-gpu'),
  tensorflowCandidate('@tensorflow/tfjs-node'),
  webgpuCandidate,
  wasmCandidate,
  cpuCandidate,
];
