import { describe, expect, it } from 'vitest';
import { defaultTeacherMomentum } from '../../../../src-main/ml/pretrain/pretrain-job.js';

describe('default teacher momentum of a run', () => {
  it("is the reference's 0.996 for long runs and keeps the EMA memory within a tenth of short ones", () => {
    expect(defaultTeacherMomentum(125_000)).toBe(0.996);
    expect(defaultTeacherMomentum(2500)).toBe(0.996);
    expect(defaultTeacherMomentum(1000)).toBeCloseTo(0.99, 12);
    expect(defaultTeacherMomentum(110)).toBeCloseTo(1 - 10 / 110, 12);
    expect(1 / (1 - defaultTeacherMomentum(400))).toBeCloseTo(40, 6);
    expect(defaultTeacherMomentum(8)).toBe(0.9);
    expect(defaultTeacherMomentum(0)).toBe(0.9);
  });
});
