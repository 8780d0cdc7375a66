import { beforeAll, describe, expect, it } from 'vitest';
import type { Variable } from '@tensorflow/tfjs';
import type { Tf } from '../../../../src-main/ml/engine/index.js';
import { initTeacherFromStudent, updateTeacher } from '../../../../src-main/ml/dino/teacher.js';
import { AdamW } from '../../../../src-main/ml/optim/adamw.js';
import { cpuTf } from './tf-cpu.js';

let tf: Tf;
beforeAll(async () => {
  tf = await cpuTf();
});

function vars(values: Record<string, number[]>): Map<string, Variable> {
  return new Map(Object.entries(values).map(([k, v]) => [k, tf.variable(tf.tensor1d(v))]));
}

describe('teacher EMA', () => {
  it('starts as a frozen copy of the student', () => {
    const student = vars({ a: [1, 2], b: [3] });
    const teacher = vars({ a: [0, 0], b: [0] });
    initTeacherFromStudent(tf, teacher, student);
    expect(Array.from(teacher.get('a')!.dataSync())).toEqual([1, 2]);
    expect([...teacher.values()].every((v) => !v.trainable)).toBe(true);
    expect([...student.values()].every((v) => v.trainable)).toBe(true);
    tf.dispose([...student.values(), ...teacher.values()]);
  });

  it('θt ← m·θt + (1 − m)·θs by name, in place, without leaking tensors', () => {
    const student = vars({ a: [1, 2], b: [10] });
    const teacher = vars({ b: [0], a: [3, 4] });
    const before = tf.memory().numTensors;
    updateTeacher(tf, teacher, student, 0.9);
    expect(tf.memory().numTensors).toBe(before);
    const a = teacher.get('a')!.dataSync();
    expect(a[0]).toBeCloseTo(0.9 * 3 + 0.1 * 1, 6);
    expect(a[1]).toBeCloseTo(0.9 * 4 + 0.1 * 2, 6);
    expect(teacher.get('b')!.dataSync()[0]).toBeCloseTo(1, 6);
    updateTeacher(tf, teacher, student, 1);
    expect(teacher.get('b')!.dataSync()[0]).toBeCloseTo(1, 6);
    tf.dispose([...student.values(), ...teacher.values()]);
  });

  it('fused (one flat tensor) gives bit-identical teachers to the per-variable update, without leaking', () => {
    const make = () => new Map<string, Variable>([
      ['w', tf.variable(tf.randomNormal([3, 4], 0, 1, 'float32', 1))],
      ['b', tf.variable(tf.randomNormal([4], 0, 1, 'float32', 2))],
      ['g', tf.variable(tf.randomNormal([2, 2, 2], 0, 1, 'float32', 3))],
    ]);
    const student = new Map<string, Variable>([
      ['g', tf.variable(tf.randomNormal([2, 2, 2], 0, 1, 'float32', 4))],
      ['w', tf.variable(tf.randomNormal([3, 4], 0, 1, 'float32', 5))],
      ['b', tf.variable(tf.randomNormal([4], 0, 1, 'float32', 6))],
    ]);
    const [plain, fused] = [make(), make()];
    for (const m of [0.9, 0.996, 0.5]) {
      updateTeacher(tf, plain, student, m, false);
      const before = tf.memory().numTensors;
      updateTeacher(tf, fused, student, m, true);
      expect(tf.memory().numTensors).toBe(before);
    }
    for (const [name, v] of plain) {
      expect(fused.get(name)!.shape).toEqual(v.shape);
      expect(Array.from(fused.get(name)!.dataSync()), name).toEqual(Array.from(v.dataSync()));
    }
    tf.dispose([...plain.values(), ...fused.values(), ...student.values()]);
  });

  it('refuses networks whose variables do not match', () => {
    const student = vars({ a: [1, 2] });
    const teacher = vars({ a: [1, 2, 3] });
    const other = vars({ c: [1, 2] });
    expect(() => updateTeacher(tf, teacher, student, 0.5)).toThrow(/\[3\].*\[2\]/);
    expect(() => updateTeacher(tf, other, student, 0.5)).toThrow(/no student counterpart/);
    tf.dispose([...student.values(), ...teacher.values(), ...other.values()]);
  });

  it('gets no gradient and no optimiser update, even when handed to them', () => {
    const student = vars({ w: [1, -1] });
    const teacher = vars({ w: [0, 0] });
    initTeacherFromStudent(tf, teacher, student);
    const s = student.get('w')!;
    const t = teacher.get('w')!;
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(s, t)), [s, t]);
    expect(grads[s.name]).toBeDefined();
    expect(grads[t.name]).toBeNull();
    const opt = new AdamW(tf, new Map([...student.entries(), ['teacher.w', t]]));
    expect(opt.paramNames).toEqual(['w']);
    tf.dispose([value, grads[s.name]!]);
    opt.dispose();
    tf.dispose([...student.values(), ...teacher.values()]);
  });
});
