import { describe, expect, it } from 'vitest';
import { makeDinoConfig } from '../../../../src-main/ml/dino/config.js';
import { buildSchedules, cosineSchedule, linspace, teacherTempSchedule } from '../../../../src-main/ml/dino/schedules.js';

/** `utils.cosine_scheduler`, transcribed from the reference formulas (numpy semantics). */
function referenceCosine(base: number, final: number, epochs: number, niter: number, warmupEpochs = 0, start = 0): number[] {
  const warmupIters = warmupEpochs * niter;
  const warm: number[] = [];
  for (let i = 0; i < warmupIters; i++) warm.push(warmupIters === 1 ? start : start + ((base - start) * i) / (warmupIters - 1));
  const n = epochs * niter - warmupIters;
  const rest = Array.from({ length: n }, (_, i) => final + 0.5 * (base - final) * (1 + Math.cos((Math.PI * i) / n)));
  return [...warm, ...rest];
}

describe('linspace (np.linspace)', () => {
  it('includes both ends; one point is the start; zero points is empty', () => {
    expect(Array.from(linspace(0, 1, 5))).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(Array.from(linspace(3, 7, 1))).toEqual([3]);
    expect(linspace(3, 7, 0).length).toBe(0);
  });
});

describe('cosineSchedule (utils.cosine_scheduler)', () => {
  it('matches hand-computed values: warm-up 0 → 1 over one epoch, then cosine 1 → 0', () => {
    // warm-up np.linspace(0, 1, 3) = [0, .5, 1]; cosine over i = 0, 1, 2 of 3: 0.5(1 + cos(πi/3)) = [1, .75, .25]
    const s = cosineSchedule(1, 0, 2, 3, 1);
    expect(Array.from(s).map((v) => +v.toFixed(12))).toEqual([0, 0.5, 1, 1, 0.75, 0.25]);
  });

  it('matches the reference formula for the DINO lr, wd and momentum settings', () => {
    const cases: [number, number, number, number, number, number][] = [
      [0.0005 * 32 / 256, 1e-6, 10, 7, 3, 0],
      [0.04, 0.4, 10, 7, 0, 0],
      [0.996, 1, 10, 7, 0, 0],
      [1, 2, 3, 1, 1, 0.5],
    ];
    for (const [base, final, epochs, niter, warm, start] of cases) {
      const got = cosineSchedule(base, final, epochs, niter, warm, start);
      const want = referenceCosine(base, final, epochs, niter, warm, start);
      expect(got.length).toBe(epochs * niter);
      got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 14));
    }
  });

  it('starts at base without warm-up and stops one step short of final', () => {
    const s = cosineSchedule(0.04, 0.4, 4, 5);
    // 0.4 + 0.5·(0.04 − 0.4)·(1 + cos 0) rounds to 0.03999999999999998 in float64, as numpy's does.
    expect(s[0]).toBeCloseTo(0.04, 15);
    expect(s[19]).toBeLessThan(0.4);
    expect(s[19]).toBeCloseTo(0.4 + 0.5 * (0.04 - 0.4) * (1 + Math.cos((19 * Math.PI) / 20)), 15);
    for (let i = 1; i < s.length; i++) expect(s[i]!).toBeGreaterThan(s[i - 1]!);
  });

  it('rejects a warm-up longer than the run', () => {
    expect(() => cosineSchedule(1, 0, 2, 3, 3)).toThrow(RangeError);
  });
});

describe('teacherTempSchedule (DINOLoss.teacher_temp_schedule)', () => {
  it('warms up linearly per epoch (both ends included), then stays constant', () => {
    const s = teacherTempSchedule(0.04, 0.07, 3, 5);
    expect(Array.from(s).map((v) => +v.toFixed(12))).toEqual([0.04, 0.055, 0.07, 0.07, 0.07]);
  });
  it('is constant without warm-up (the reference default)', () => {
    expect(Array.from(teacherTempSchedule(0.04, 0.04, 0, 3))).toEqual([0.04, 0.04, 0.04]);
  });
});

describe('buildSchedules', () => {
  const config = makeDinoConfig({ epochs: 20, warmupEpochs: 2, batchSize: 64, warmupTeacherTemp: 0.04, teacherTemp: 0.07, warmupTeacherTempEpochs: 5 });
  const s = buildSchedules(config, 10);

  it('has one entry per global step', () => {
    expect(s.totalSteps).toBe(200);
    for (const a of [s.lr, s.weightDecay, s.teacherMomentum, s.teacherTemp]) expect(a.length).toBe(200);
    expect(s.teacherTempPerEpoch.length).toBe(20);
  });

  it('lr: linear warm-up from 0 to lr × batch/256, then cosine towards minLr', () => {
    const peak = (0.0005 * 64) / 256;
    expect(s.lr[0]).toBe(0);
    expect(s.lr[19]).toBeCloseTo(peak, 15);
    expect(s.lr[20]).toBeCloseTo(peak, 15);
    expect(s.lr[199]!).toBeGreaterThan(1e-6);
    expect(s.lr[199]!).toBeLessThan(1e-6 + peak * 1e-3);
  });

  it('weight decay 0.04 → 0.4 and teacher momentum 0.996 → 1 follow cosines without warm-up', () => {
    expect(s.weightDecay[0]).toBeCloseTo(0.04, 15);
    expect(s.teacherMomentum[0]).toBeCloseTo(0.996, 15);
    expect(s.teacherMomentum[100]).toBeCloseTo(1 - 0.5 * 0.004 * (1 + Math.cos(Math.PI / 2)), 14);
    expect(s.teacherMomentum[199]!).toBeLessThan(1);
  });

  it('teacher temperature per step is the value of its epoch', () => {
    expect(s.teacherTemp[0]).toBe(0.04);
    expect(s.teacherTemp[9]).toBe(0.04);
    expect(s.teacherTemp[10]).toBeCloseTo(0.0475, 14);
    expect(s.teacherTemp[45]).toBe(s.teacherTempPerEpoch[4]);
    expect(s.teacherTemp[199]).toBe(0.07);
  });
});
