/**
 * Multi-threaded wasm under Node.
 *
 * tfjs-backend-wasm ships a pthreads build (XNNPACK's thread pool, one Web Worker per thread)
 * but switches it off under Node (tfjs issue 3830): its loader hands Emscripten the worker
 * script and the main script as `blob:` URLs, which Node's `worker_threads` cannot load. The
 * Emscripten code itself supports Node (its worker script has a `worker_threads` branch), so
 * the fix is only in how the two scripts are delivered: we write them to a folder under the
 * system's temp folder and let the pool's workers load them from there.
 *
 * A second browser assumption caps the thread count: the backend uses at most half the
 * logical cores it sees (`os.cpus().length / 2` under Node), assuming two hardware threads per
 * core. Where the OS says there is no SMT (Linux: /sys/devices/system/cpu/smt/active = 0, as
 * on most cloud VMs) that halves the pool for nothing, so we let it see the real core count.
 *
 * The results do not depend on the thread count: XNNPACK splits a matrix product by output
 * tiles, and each output element is still summed by one thread in the same order
 * (tests/integration/ml/engine/wasm-threads.test.ts checks DINO steps bit for bit).
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { Tf } from './types.js';

/** Environment variable that sets the wasm thread count; 1 selects the single-threaded build. */
export const WASM_THREADS_ENV_VAR = 'OCTDINO_WASM_THREADS';

/** Emscripten pre-spawns this many workers (tfjs's PTHREAD_POOL_SIZE); the backend caps at it. */
export const WASM_MAX_THREADS = 8;

export interface WasmThreadPlan {
  threads: number;
  /** How the count was chosen, for the engine report. */
  reason: string;
}

export interface CpuFacts {
  logicalCores: number;
  /** Whether the CPU runs two hardware threads per core; null where the OS does not say. */
  smtActive: boolean | null;
}

/** Linux's answer to "is SMT on?", or null elsewhere (or when the file is unreadable). */
export function readSmtActive(file = '/sys/devices/system/cpu/smt/active'): boolean | null {
  if (process.platform !== 'linux') return null;
  try {
    const text = readFileSync(file, 'utf8').trim();
    return text === '1' ? true : text === '0' ? false : null;
  } catch {
    return null;
  }
}

export function currentCpuFacts(): CpuFacts {
  return { logicalCores: os.cpus().length, smtActive: readSmtActive() };
}

/**
 * How many threads the wasm backend should use: OCTDINO_WASM_THREADS if set, else one per
 * physical core (logical cores halved unless the OS says SMT is off), at most WASM_MAX_THREADS.
 */
export function planWasmThreads(env: Record<string, string | undefined>, cpu: CpuFacts): WasmThreadPlan {
  const asked = env[WASM_THREADS_ENV_VAR];
  if (asked !== undefined && asked.trim() !== '') {
    const n = Number(asked);
    if (!Number.isInteger(n) || n < 1) {
      throw new Error(`${WASM_THREADS_ENV_VAR}=${asked}: expected a whole number of threads, 1 or more`);
    }
    return { threads: Math.min(n, WASM_MAX_THREADS), reason: `${WASM_THREADS_ENV_VAR}=${asked}` };
  }
  const physical = cpu.smtActive === false ? cpu.logicalCores : Math.floor(cpu.logicalCores / 2);
  const threads = Math.max(1, Math.min(physical, WASM_MAX_THREADS));
  const why = cpu.smtActive === false ? 'no SMT' : cpu.smtActive === true ? 'SMT on' : 'SMT assumed';
  return { threads, reason: `one per physical core (${cpu.logicalCores} logical, ${why})` };
}

interface WasmPackage {
  setThreadsCount?(n: number): void;
}

interface WorkerThreadsModule {
  Worker: new (filename: string | URL, options?: object) => NodeWorkerLike;
}
interface NodeWorkerLike {
  postMessage(message: unknown, transfer?: readonly unknown[]): void;
  ref(): void;
  unref(): void;
}

const requireHere = createRequire(import.meta.url);
let scriptsDir: string | null = null;

/**
 * Creates `dir` (mode 0700) if needed and checks that it is a folder owned by `uid` that no one
 * else can write to; throws otherwise. `uid` null (Windows): only that it is a folder.
 */
export function ensurePrivateDir(dir: string, uid: number | null): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  if (!stat.isDirectory() || (uid !== null && (stat.uid !== uid || (stat.mode & 0o022) !== 0))) {
    throw new Error(`${dir} is not a private folder of this user`);
  }
}

/**
 * Writes the pool's worker script and the module script into a folder named after the user
 * and their content, shared by that user's processes and kept: killed job workers (cancel, app shutdown) never
 * run exit handlers, so per-process folders would pile up. Each file is written under a
 * temporary name and renamed, so processes starting together never read a half-written one.
 */
function writePthreadScripts(wasmPackageDir: string): { worker: string; main: string } {
  if (scriptsDir === null) {
    const out = path.join(wasmPackageDir, 'wasm-out');
    // The same escaping tfjs applies when it turns this string into a Blob (backend_wasm.ts).
    const { wasmWorkerContents } = requireHere(path.join(out, 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string };
    const files = {
      'worker.js': wasmWorkerContents.replace(/\n/g, '\\n'),
      // Read here rather than in the workers: inside an Electron asar only this thread can.
      'main.js': readFileSync(path.join(out, 'tfjs-backend-wasm-threaded-simd.js'), 'utf8'),
    };
    const hash = createHash('sha256').update(files['worker.js']).update('\0').update(files['main.js']).digest('hex').slice(0, 16);
    // Per user, and only if it is really ours: on a shared /tmp another user could otherwise
    // plant scripts that this process would run.
    const uid = process.getuid?.() ?? null;
    const dir = path.join(os.tmpdir(), `octdino-wasm-${uid ?? 'user'}-${hash}`);
    ensurePrivateDir(dir, uid);
    for (const [name, text] of Object.entries(files)) {
      const file = path.join(dir, name);
      if (existsSync(file) && readFileSync(file, 'utf8') === text) continue;
      const partial = `${file}.${process.pid}.tmp`;
      writeFileSync(partial, text);
      renameSync(partial, file);
    }
    scriptsDir = dir;
  }
  return { worker: path.join(scriptsDir, 'worker.js'), main: path.join(scriptsDir, 'main.js') };
}

/**
 * Turns on the pthreads build for the next `tf.setBackend('wasm')` and returns the function
 * that undoes the temporary patches; call it once setBackend has settled (either way).
 */
export function enableNodeWasmThreads(tf: Tf, wasm: WasmPackage, wasmPackageDir: string, threads: number): () => void {
  const scripts = writePthreadScripts(wasmPackageDir);
  const workerThreads = requireHere('node:worker_threads') as WorkerThreadsModule;
  const nodeOs = requireHere('node:os') as { cpus: typeof os.cpus };
  const [NodeWorker, realCpus] = [workerThreads.Worker, nodeOs.cpus];

  // Emscripten creates the pool's workers with `new Worker(blob-url)` and sends each the module
  // script as a Blob in its 'load' message; give them the files instead. The pool's threads
  // never end (XNNPACK parks them between operations) and Emscripten ref()s a worker while its
  // thread runs, so a finished process would never exit: these workers stay unref'd.
  class PthreadWorker extends NodeWorker {
    private readonly pooled: boolean;
    constructor(filename: string | URL, options?: object) {
      const pooled = String(filename).startsWith('blob:');
      super(pooled ? scripts.worker : filename, options);
      this.pooled = pooled;
      if (pooled) this.unref();
    }
    override ref(): void {
      if (!this.pooled) super.ref();
    }
    override postMessage(message: unknown, transfer?: readonly unknown[]): void {
      const m = message as { cmd?: unknown; urlOrBlob?: unknown } | null;
      if (m !== null && typeof m === 'object' && m.cmd === 'load' && typeof m.urlOrBlob !== 'string') {
        message = { ...m, urlOrBlob: scripts.main };
      }
      super.postMessage(message, transfer);
    }
  }
  // Emscripten keeps the class it finds at initialisation (`global.Worker = …Worker`), so the
  // module's export only needs patching until setBackend has run.
  workerThreads.Worker = PthreadWorker;
  // The backend caps its pool at `os.cpus().length / 2`, read once at initialisation.
  nodeOs.cpus = () => {
    const real = realCpus();
    if (real.length === 0 || real.length >= 2 * threads) return real;
    return Array.from({ length: 2 * threads }, (_, i) => real[i % real.length]!);
  };
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount?.(threads);
  return () => {
    workerThreads.Worker = NodeWorker;
    nodeOs.cpus = realCpus;
  };
}
