/**
 * The one program the GPU device check runs (bundled by make-gpu-bundle.sh into
 * .device/octdino-device.mjs, run with the Node binary carried beside it):
 *
 *   device-main bench dino-step ...   the CLI's `octdino bench dino-step`
 *   device-main engine [--json]       the CLI's `octdino engine`
 *   device-main parity [--resnet]     cpu vs webgpu on a tiny DINO run (webgpu-parity.ts)
 *   device-main knn ...               tests/bench/ml/dino-knn.bench.ts: k-NN gain of a pretraining
 *
 * Only these commands: the full CLI would drag in SQLite, sharp and the job runner, none of
 * which a timing check needs.
 */
import { benchCommand } from '../../src-main/cli/commands/bench.js';
import { engineCommand } from '../../src-main/cli/commands/engine.js';
import { CliError } from '../../src-main/cli/cli-error.js';
import { processIo } from '../../src-main/cli/output.js';
import { webgpuParity } from './webgpu-parity.js';

/** Defined (true) by esbuild when bundling; undefined under tsx. */
declare const OCTDINO_DEVICE_BUNDLE: boolean | undefined;

if (typeof OCTDINO_DEVICE_BUNDLE !== 'undefined') {
  // The engine loads backends by name at run time (engine/loader.ts). In the bundle, the stub
  // packages that make-gpu-bundle.sh writes to node_modules/ hand back these bundled copies;
  // lazily, because tfjs-backend-webgpu registers itself only once navigator.gpu exists.
  // `require`, not `import()`: the stubs must answer synchronously, as the engine's require does.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const bundled: Record<string, () => unknown> = {
    '@tensorflow/tfjs': () => require('@tensorflow/tfjs'),
    '@tensorflow/tfjs-backend-webgpu': () => require('@tensorflow/tfjs-backend-webgpu'),
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
  (globalThis as { __octdinoBundled?: (name: string) => unknown }).__octdinoBundled = (name) => bundled[name]!();
}

const [command, ...rest] = process.argv.slice(2);
try {
  if (command === 'bench') await benchCommand(rest, processIo);
  else if (command === 'engine') await engineCommand(rest, processIo);
  else if (command === 'parity') process.exitCode = await webgpuParity(rest);
  else if (command === 'knn') {
    // The bench is a script that reads its own argv: hand it the rest, then run it.
    process.argv = [process.argv[0]!, 'dino-knn.bench', ...rest];
    await import('../../tests/bench/ml/dino-knn.bench.js');
  } else throw new CliError(`device-main knows bench, engine, parity and knn, got "${command ?? ''}"`, 2);
} catch (err) {
  processIo.err(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
  process.exitCode = err instanceof CliError ? err.exitCode : 1;
}
