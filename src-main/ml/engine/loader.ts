/**
 * Loading optional TensorFlow.js packages and saying, in one line, why one did not load.
 *
 * The native packages (tfjs-node, tfjs-node-gpu) are optionalDependencies: on a machine
 * without internet their installer fails and npm removes them, so "not installed" is the
 * normal case here and must be told apart from "installed, but libtensorflow/CUDA would not
 * load", which is what a user with a broken CUDA setup sees.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ModuleLoader } from './types.js';

const require = createRequire(import.meta.url);

/**
 * `require` first: every TensorFlow.js package ships a CommonJS `main` for Node and no
 * `exports` map, and backends register themselves into whichever `@tensorflow/tfjs-core`
 * instance they load, so all of them must come from the same (CommonJS) module cache.
 * Falls back to `import()` for ESM-only packages.
 */
export const defaultLoader: ModuleLoader = async (name) => {
  try {
    return require(name) as unknown;
  } catch (err) {
    if (errorCode(err) === 'ERR_REQUIRE_ESM') return (await import(name)) as unknown;
    throw err;
  }
};

/** Directory of an installed package, or null when it cannot be resolved (e.g. bundled). */
export function packageDir(name: string): string | null {
  try {
    return path.dirname(require.resolve(`${name}/package.json`));
  } catch {
    return null;
  }
}

export function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

export function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return (text.split('\n').find((line) => line.trim() !== '') ?? text).trim();
}

/**
 * True only when the package itself is missing. A MODULE_NOT_FOUND for one of its own
 * dependencies (say `@mapbox/node-pre-gyp`) means a broken install, not a missing one.
 */
export function isNotInstalled(err: unknown, pkg: string): boolean {
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'MODULE_NOT_FOUND') return message.startsWith(`Cannot find module '${pkg}'`);
  if (code === 'ERR_MODULE_NOT_FOUND') return message.includes(`Cannot find package '${pkg}'`);
  return false;
}

/** Loads `pkg`, or returns the reason it could not be loaded ("not installed", ...). */
export async function tryLoad(
  loader: ModuleLoader,
  pkg: string,
  nativePart = 'it',
): Promise<{ ok: true; module: unknown } | { ok: false; reason: string }> {
  try {
    return { ok: true, module: await loader(pkg) };
  } catch (err) {
    if (isNotInstalled(err, pkg)) return { ok: false, reason: 'not installed' };
    return { ok: false, reason: `installed but ${nativePart} failed to load: ${firstLine(err)}` };
  }
}
