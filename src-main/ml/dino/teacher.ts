/**
 * The teacher network: an exponential moving average of the student (momentum encoder),
 * θt ← λ·θt + (1−λ)·θs, never trained by gradients (reference `train_one_epoch`, "EMA update for
 * the teacher"; report eq. 8). Both networks hold the same variables under the same names.
 */
import type { Tensor, Variable } from '@tensorflow/tfjs';
import type { Tf } from '../engine/index.js';
import { prefersFusedUpdates } from '../optim/adamw.js';

/** Checks that teacher and student hold the same names with the same shapes. */
function pairUp(teacher: ReadonlyMap<string, Variable>, student: ReadonlyMap<string, Variable>): [Variable, Variable][] {
  const pairs: [Variable, Variable][] = [];
  for (const [name, t] of teacher) {
    const s = student.get(name);
    if (!s) throw new Error(`Teacher variable ${name} has no student counterpart: build both networks with the same architecture`);
    if (t.shape.join('x') !== s.shape.join('x')) {
      throw new Error(`Teacher variable ${name} is [${t.shape.join(', ')}] but the student's is [${s.shape.join(', ')}]`);
    }
    pairs.push([t, s]);
  }
  for (const name of student.keys()) {
    if (!teacher.has(name)) throw new Error(`Student variable ${name} has no teacher counterpart: build both networks with the same architecture`);
  }
  return pairs;
}

/**
 * Makes the teacher a frozen copy of the student (`teacher.load_state_dict(student.state_dict())`
 * and `requires_grad = False` in the reference). Marks every teacher variable non-trainable, so
 * that `tf.variableGrads` and optimisers skip them even when given them by mistake.
 */
export function initTeacherFromStudent(tf: Tf, teacher: ReadonlyMap<string, Variable>, student: ReadonlyMap<string, Variable>): void {
  const pairs = pairUp(teacher, student);
  tf.tidy(() => {
    for (const [t, s] of pairs) {
      t.trainable = false;
      t.assign(tf.clone(s as Tensor) as typeof t);
    }
  });
}

/**
 * In place: θt ← m·θt + (1−m)·θs for every variable, by name. No gradient is involved. `fused`
 * (default on GPU backends, as AdamW's) computes all of them as one flat tensor: the same values
 * in a few kernels plus one copy per variable, instead of three kernels per variable.
 */
export function updateTeacher(
  tf: Tf,
  teacher: ReadonlyMap<string, Variable>,
  student: ReadonlyMap<string, Variable>,
  momentum: number,
  fused = prefersFusedUpdates(tf),
): void {
  if (!(momentum >= 0 && momentum <= 1)) throw new RangeError(`Teacher momentum must be in [0, 1], got ${momentum}`);
  const pairs = pairUp(teacher, student);
  const ema = (t: Tensor, s: Tensor): Tensor => tf.add(tf.mul(t, momentum), tf.mul(s, 1 - momentum));
  if (!fused || pairs.length < 2) {
    // A tidy per variable: its two temporaries go before the next one's are made.
    for (const [t, s] of pairs) tf.tidy(() => t.assign(ema(t, s)));
    return;
  }
  tf.tidy(() => {
    const flat = (vs: readonly Tensor[]): Tensor => tf.concat(vs.map((v) => tf.reshape(v, [-1])));
    const next = tf.split(ema(flat(pairs.map(([t]) => t)), flat(pairs.map(([, s]) => s))), pairs.map(([t]) => t.size));
    pairs.forEach(([t], i) => t.assign(tf.reshape(next[i]!, t.shape)));
  });
}
