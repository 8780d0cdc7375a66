/** The cpu backend for DINO tests: exact float32 JavaScript maths, no native packages. */
import { loadEngine, type Tf } from '../../../../src-main/ml/engine/index.js';

export async function cpuTf(): Promise<Tf> {
  const { tf } = await loadEngine({ only: ['cpu'], env: {} });
  return tf;
}
