/**
 * Stand-ins for the native TensorFlow packages, which cannot exist on the build machines
 * (their installers download libtensorflow and fail offline, so npm removes them). Everything
 * else the tests touch is the real thing: real @tensorflow/tfjs, real wasm, real cpu.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { defaultLoader, type ModuleLoader, type Tf } from '../../../../src-main/ml/engine/index.js';

export const GPU_PKG = '@tensorflow/tfjs-node-gpu';

export async function realTf(): Promise<Tf> {
  return (await defaultLoader('@tensorflow/tfjs')) as Tf;
}

/**
 * Simulates an installed, working tfjs-node-gpu: loading it registers a `tensorflow` backend
 * (computing with the cpu kernels) into the real tfjs-core, as the real package does with
 * libtensorflow. Returns the loader and a cleanup that unregisters it again.
 */
export async function workingNodeGpu(): Promise<{ loader: ModuleLoader; cleanup: () => Promise<void> }> {
  const tf = await realTf();
  let registered = false;
  const loader: ModuleLoader = async (name) => {
    if (name !== GPU_PKG) return defaultLoader(name);
    if (!registered) {
      tf.registerBackend('tensorflow', tf.findBackendFactory('cpu'), 0);
      for (const kernel of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...kernel, backendName: 'tensorflow' });
      registered = true;
    }
    return { ...tf, version: { ...tf.version, 'tfjs-node': '4.22.0' } };
  };
  const cleanup = async (): Promise<void> => {
    if (!registered) return;
    if (tf.getBackend() === 'tensorflow') await tf.setBackend('cpu');
    for (const kernel of tf.getKernelsForBackend('tensorflow')) tf.unregisterKernel(kernel.kernelName, 'tensorflow');
    tf.removeBackend('tensorflow');
    registered = false;
  };
  return { loader, cleanup };
}

/**
 * Simulates tfjs-node-gpu installed but with a native library that will not load. The error
 * is a genuine one from Node's dlopen (a file that is not a shared object), so the code under
 * test sees exactly the error class and shape a missing libtensorflow/CUDA produces.
 */
export function brokenNodeGpu(): ModuleLoader {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'octdino-engine-'));
  const binding = path.join(dir, 'tfjs_binding.node');
  writeFileSync(binding, 'not a shared object\n');
  const requireHere = createRequire(import.meta.url);
  return async (name) => (name === GPU_PKG ? requireHere(binding) : defaultLoader(name));
}
