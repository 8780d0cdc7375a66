/**
 * Training schedules, precomputed as arrays indexed by the global step (reference:
 * `utils.cosine_scheduler` for lr, weight decay and teacher momentum; `DINOLoss.__init__` for the
 * teacher temperature). The training loop only indexes them; it does no schedule arithmetic.
 */
import { effectiveLr, type DinoConfig } from './config.js';

/**
 * `np.linspace(start, stop, n)`: n points, both ends included; one point is `start`.
 */
export function linspace(start: number, stop: number, n: number): Float64Array {
  const out = new Float64Array(n);
  const step = n > 1 ? (stop - start) / (n - 1) : 0;
  for (let i = 0; i < n; i++) out[i] = start + i * step;
  // numpy pins the last point to `stop` exactly.
  if (n > 1) out[n - 1] = stop;
  return out;
}

/**
 * `utils.cosine_scheduler`: a linear warm-up from `startWarmup` to `base` over `warmupEpochs`
 * (both ends included, as np.linspace), then a half cosine from `base` down (or up) to `final`
 * over the remaining steps. The cosine never quite reaches `final`: its last value is one step
 * short, exactly as the reference (np.arange excludes the end).
 */
export function cosineSchedule(
  base: number,
  final: number,
  epochs: number,
  stepsPerEpoch: number,
  warmupEpochs = 0,
  startWarmup = 0,
): Float64Array {
  if (!Number.isInteger(epochs) || !Number.isInteger(stepsPerEpoch) || epochs < 1 || stepsPerEpoch < 1) {
    throw new RangeError(`cosineSchedule needs integer epochs >= 1 and stepsPerEpoch >= 1, got ${epochs}, ${stepsPerEpoch}`);
  }
  const total = epochs * stepsPerEpoch;
  const warmupIters = Math.max(0, Math.round(warmupEpochs * stepsPerEpoch));
  if (warmupIters > total) throw new RangeError(`warm-up (${warmupIters} steps) is longer than the run (${total} steps)`);
  const out = new Float64Array(total);
  if (warmupEpochs > 0) out.set(linspace(startWarmup, base, warmupIters), 0);
  const n = total - warmupIters;
  for (let i = 0; i < n; i++) {
    out[warmupIters + i] = final + 0.5 * (base - final) * (1 + Math.cos((Math.PI * i) / n));
  }
  return out;
}

/**
 * `DINOLoss.teacher_temp_schedule`, one value per epoch: linear warm-up from `warmup` to `final`
 * over `warmupEpochs` (np.linspace, both ends included), then constant. The warm-up exists
 * because a too-high teacher temperature makes training unstable at the start.
 */
export function teacherTempSchedule(warmup: number, final: number, warmupEpochs: number, epochs: number): Float64Array {
  if (warmupEpochs > epochs) throw new RangeError(`teacher-temperature warm-up (${warmupEpochs} epochs) exceeds the run (${epochs})`);
  const out = new Float64Array(epochs).fill(final);
  out.set(linspace(warmup, final, warmupEpochs), 0);
  return out;
}

/** Every schedule of a run. All arrays have `totalSteps` entries except `teacherTempPerEpoch`. */
export interface DinoSchedules {
  readonly stepsPerEpoch: number;
  readonly epochs: number;
  readonly totalSteps: number;
  /** Learning rate (all parameter groups). */
  readonly lr: Float64Array;
  /** Weight decay of the regularised group (the other group has none). */
  readonly weightDecay: Float64Array;
  /** Teacher EMA momentum. */
  readonly teacherMomentum: Float64Array;
  /** Teacher temperature expanded to steps: the value of the step's epoch. */
  readonly teacherTemp: Float64Array;
  /** Teacher temperature per epoch, as `DINOLoss` indexes it. */
  readonly teacherTempPerEpoch: Float64Array;
}

/** The four schedules of `main_dino.py` for `config`, with `stepsPerEpoch` batches per epoch. */
export function buildSchedules(config: DinoConfig, stepsPerEpoch: number): DinoSchedules {
  const { epochs } = config;
  const lr = cosineSchedule(effectiveLr(config), config.minLr, epochs, stepsPerEpoch, config.warmupEpochs);
  const weightDecay = cosineSchedule(config.weightDecay, config.weightDecayEnd, epochs, stepsPerEpoch);
  const teacherMomentum = cosineSchedule(config.momentumTeacher, 1, epochs, stepsPerEpoch);
  const perEpoch = teacherTempSchedule(config.warmupTeacherTemp, config.teacherTemp, config.warmupTeacherTempEpochs, epochs);
  const teacherTemp = new Float64Array(epochs * stepsPerEpoch);
  for (let e = 0; e < epochs; e++) teacherTemp.fill(perEpoch[e]!, e * stepsPerEpoch, (e + 1) * stepsPerEpoch);
  return Object.freeze({
    stepsPerEpoch,
    epochs,
    totalSteps: epochs * stepsPerEpoch,
    lr,
    weightDecay,
    teacherMomentum,
    teacherTemp,
    teacherTempPerEpoch: perEpoch,
  });
}

/** The value of `schedule` at `step`, or a RangeError naming the schedule (never `undefined`). */
export function at(schedule: Float64Array, step: number, name = 'schedule'): number {
  const v = schedule[step];
  if (v === undefined || !Number.isInteger(step)) {
    throw new RangeError(`${name} has ${schedule.length} steps; step ${step} is outside the run`);
  }
  return v;
}
