import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dinoStep } from '../../../../src-main/ml/dino/dino-step.js';
import { networkVariables } from '../../../../src-main/ml/dino/multi-crop-wrapper.js';
import { loadEngine, type Tf } from '../../../../src-main/ml/engine/index.js';
import { makeToyRun } from './toy-dino.js';

/**
 * Gradient accumulation over micro-batches (what keeps a batch-32 ViT step under wasm's 4 GiB)
 * must give the same step as the whole batch at once: the loss is a mean over images and each
 * image's terms involve only its own crops.
 */
describe('dinoStep with micro-batches', () => {
  let tf: Tf;
  beforeAll(async () => {
    tf = (await loadEngine({ only: ['cpu'] })).tf;
  });
  afterAll(() => undefined);

  it('equals the whole-batch step (loss, metrics, student and teacher weights, centre)', async () => {
    const whole = makeToyRun(tf, undefined, { seed: 3 });
    const split = makeToyRun(tf, undefined, { seed: 3 });
    try {
      for (const step of [0, 1, 2]) {
        const batchA = whole.nextBatch(step);
        const batchB = split.nextBatch(step);
        const a = await dinoStep(whole.parts, batchA, step, 0);
        const b = await dinoStep({ ...split.parts, microBatch: 4 }, batchB, step, 0);
        tf.dispose([batchA.globals, batchB.globals, ...(batchA.locals ? [batchA.locals] : []), ...(batchB.locals ? [batchB.locals] : [])]);
        expect(b.loss).toBeCloseTo(a.loss, 5);
        expect(b.entropy).toBeCloseTo(a.entropy, 5);
        expect(b.kl).toBeCloseTo(a.kl, 5);
        expect(Math.abs(b.gradNorm - a.gradNorm) / a.gradNorm).toBeLessThan(1e-5);
      }
      const maxDiff = async (x: Map<string, { data(): Promise<unknown> }>, y: Map<string, { data(): Promise<unknown> }>): Promise<number> => {
        let worst = 0;
        for (const [name, v] of x) {
          const p = (await v.data()) as Float32Array;
          const q = (await (y.get(name) as { data(): Promise<unknown> }).data()) as Float32Array;
          for (let i = 0; i < p.length; i++) worst = Math.max(worst, Math.abs((p[i] as number) - (q[i] as number)));
        }
        return worst;
      };
      expect(await maxDiff(networkVariables(whole.parts.student), networkVariables(split.parts.student))).toBeLessThan(1e-5);
      expect(await maxDiff(networkVariables(whole.parts.teacher), networkVariables(split.parts.teacher))).toBeLessThan(1e-5);
      expect(await maxDiff(new Map([['c', whole.parts.loss.center]]), new Map([['c', split.parts.loss.center]]))).toBeLessThan(1e-6);
    } finally {
      whole.dispose();
      split.dispose();
    }
  });
});
