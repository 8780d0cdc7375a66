import { beforeAll, describe, expect, it } from 'vitest';
import type { Tensor2D } from '@tensorflow/tfjs';
import type { Tf } from '../../../../src-main/ml/engine/index.js';
import { CollapseMonitor, collapseMetrics } from '../../../../src-main/ml/dino/monitor.js';
import { cpuTf } from './tf-cpu.js';

let tf: Tf;
beforeAll(async () => {
  tf = await cpuTf();
});

describe('collapseMetrics', () => {
  it('h(Pt) = log K for a constant teacher output; KL = 0 when the student agrees', () => {
    const t = tf.fill([4, 5], 0.3) as Tensor2D;
    const c = tf.zeros([1, 5]) as Tensor2D;
    const { entropy, kl } = collapseMetrics(tf, { teacherOut: t, studentGlobalOut: t, center: c, teacherTemp: 0.04, studentTemp: 0.04 });
    expect(entropy.dataSync()[0]).toBeCloseTo(Math.log(5), 5);
    expect(kl.dataSync()[0]).toBeCloseTo(0, 6);
    tf.dispose([t, c, entropy, kl]);
  });

  it('matches hand values: centring first, then temperature', () => {
    // Teacher row [ln 3, 0] with centre [0, 0], τt = 1 → Pt = [¾, ¼]; student [0, 0] → Ps = [½, ½].
    // h = −(¾ ln ¾ + ¼ ln ¼); KL = ¾ ln(¾/½) + ¼ ln(¼/½).
    const t = tf.tensor2d([[Math.log(3) + 1, 1]]);
    const c = tf.tensor2d([[1, 1]]);
    const s = tf.tensor2d([[0, 0]]);
    const { entropy, kl } = collapseMetrics(tf, { teacherOut: t, studentGlobalOut: s, center: c, teacherTemp: 1, studentTemp: 0.1 });
    expect(entropy.dataSync()[0]).toBeCloseTo(-(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25)), 5);
    expect(kl.dataSync()[0]).toBeCloseTo(0.75 * Math.log(1.5) + 0.25 * Math.log(0.5), 5);
    tf.dispose([t, c, s, entropy, kl]);
  });
});

describe('CollapseMonitor', () => {
  const K = 64;
  const logK = Math.log(K);
  const feed = (m: CollapseMonitor, n: number, entropy: number, kl: number) => {
    let last = null;
    for (let i = 0; i < n; i++) last = m.observe({ entropy, kl });
    return last;
  };

  it('says nothing until the window is full, nor for a healthy run', () => {
    const m = new CollapseMonitor({ outDim: K, window: 5 });
    expect(feed(m, 4, 0.001, 0)).toBeNull();
    m.reset();
    expect(feed(m, 10, 0.5 * logK, 0.2)).toBeNull();
  });

  it('flags dimension collapse (entropy → 0), uniform collapse (entropy → log K), then KL collapse', () => {
    const m = new CollapseMonitor({ outDim: K, window: 5 });
    expect(feed(m, 5, 0.01, 1e-5)?.kind).toBe('dimension-collapse');
    m.reset();
    const u = feed(m, 5, 0.995 * logK, 1e-5);
    expect(u?.kind).toBe('uniform-collapse');
    expect(u?.message).toMatch(/sharpening/);
    m.reset();
    expect(feed(m, 5, 0.5 * logK, 1e-5)?.kind).toBe('kl-collapse');
  });

  it('names the cause of a uniform teacher from the temperatures: no sharpening, or targets that no longer depend on the input', () => {
    const uniform = (teacherTemp: number, studentTemp: number) => {
      const m = new CollapseMonitor({ outDim: K, window: 3 });
      let last = null;
      for (let i = 0; i < 3; i++) last = m.observe({ entropy: 0.99 * logK, kl: 1e-4, teacherTemp, studentTemp });
      return last;
    };
    const unsharpened = uniform(0.1, 0.1);
    expect(unsharpened?.kind).toBe('uniform-collapse');
    expect(unsharpened?.message).toMatch(/no sharpening; lower the teacher temperature/);
    const sharpened = uniform(0.04, 0.1);
    expect(sharpened?.kind).toBe('uniform-collapse');
    expect(sharpened?.message).toMatch(/although it is sharpened/);
    expect(sharpened?.message).toMatch(/Train longer or on more images/);
    expect(sharpened?.message).not.toMatch(/no sharpening/);
  });

  it('judges the window mean, so one odd batch raises no alarm', () => {
    const m = new CollapseMonitor({ outDim: K, window: 5 });
    feed(m, 4, 0.5 * logK, 0.2);
    expect(m.observe({ entropy: 0, kl: 0 })).toBeNull();
  });
});
