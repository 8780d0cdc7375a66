/**
 * AdamW exactly as PyTorch's `torch.optim.AdamW` (decoupled weight decay, bias correction,
 * betas 0.9/0.999, eps 1e-8 outside the square root), with the two parameter groups of the DINO
 * reference (`utils.get_params_groups`): weights are decayed, biases and 1-D parameters (norm
 * gains and shifts) are not. The learning rate and weight decay come from the schedules each step.
 *
 * Each parameter keeps its own step count, as PyTorch does: a parameter without a gradient this
 * step (the last layer while it is frozen) is skipped entirely — no decay, no moment update, no
 * step — so its bias correction starts when it first trains.
 */
import type { NamedTensorMap, Tensor, Variable } from '@tensorflow/tfjs';
import type { Tf } from '../engine/index.js';

export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  /**
   * Per-parameter multiplier of the step's lr (PyTorch param groups with their own lr), e.g. a
   * pretrained backbone learning 10× slower than a new head, or layer-wise decay. Default 1.
   */
  lrScale?: ReadonlyMap<string, number>;
}

export interface AdamWStepParams {
  lr: number;
  /** Applied to the regularised group only. */
  weightDecay: number;
}

/** `get_params_groups`: no weight decay on biases nor on 1-D parameters such as norms. */
export function isRegularized(name: string, variable: Variable): boolean {
  return !(name.endsWith('.bias') || variable.rank === 1);
}

interface Slot {
  readonly param: Variable;
  readonly m: Variable;
  readonly v: Variable;
  step: number;
  readonly regularized: boolean;
  readonly lrScale: number;
}

export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly #tf: Tf;
  readonly #slots = new Map<string, Slot>();

  /** `params`: the trainable variables by name; non-trainable ones are left out, as the reference skips `requires_grad=False`. */
  constructor(tf: Tf, params: ReadonlyMap<string, Variable>, opts: AdamWOptions = {}) {
    this.#tf = tf;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    for (const [name, param] of params) {
      if (!param.trainable) continue;
      // The variables own copies of their initial values: the zero tensors are released here.
      const zeros = (): Variable => {
        const z = tf.zerosLike(param);
        const moment = tf.variable(z, false);
        z.dispose();
        return moment;
      };
      this.#slots.set(name, {
        param,
        m: zeros(),
        v: zeros(),
        step: 0,
        regularized: isRegularized(name, param),
        lrScale: opts.lrScale?.get(name) ?? 1,
      });
    }
  }

  /** Names of the optimised parameters, split as the reference's two groups. */
  get groups(): { regularized: string[]; notRegularized: string[] } {
    const all = [...this.#slots.entries()];
    return {
      regularized: all.filter(([, s]) => s.regularized).map(([n]) => n),
      notRegularized: all.filter(([, s]) => !s.regularized).map(([n]) => n),
    };
  }

  /** The variables to differentiate with respect to (for `tf.variableGrads`). */
  get paramNames(): string[] {
    return [...this.#slots.keys()];
  }

  /** Steps taken by `name` (0 before its first update). */
  stepOf(name: string): number {
    return this.#slot(name).step;
  }

  /**
   * One update. `grads` maps parameter names to gradients; a name with no gradient is skipped.
   * Does not dispose `grads`.
   */
  step(grads: ReadonlyMap<string, Tensor> | NamedTensorMap, { lr: baseLr, weightDecay }: AdamWStepParams): void {
    const tf = this.#tf;
    const entries = grads instanceof Map ? [...grads.entries()] : Object.entries(grads as NamedTensorMap);
    const { beta1: b1, beta2: b2, eps } = this;
    tf.tidy(() => {
      for (const [name, g] of entries) {
        const s = this.#slot(name);
        s.step += 1;
        const wd = s.regularized ? weightDecay : 0;
        const lr = baseLr * s.lrScale;
        const bc1 = 1 - b1 ** s.step;
        const bc2 = 1 - b2 ** s.step;
        const m = tf.add(tf.mul(s.m, b1), tf.mul(g, 1 - b1));
        const v = tf.add(tf.mul(s.v, b2), tf.mul(tf.square(g), 1 - b2));
        s.m.assign(m);
        s.v.assign(v);
        // PyTorch: p ← p·(1 − lr·wd), then p ← p − (lr/bc1) · m / (√v/√bc2 + eps).
        const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(bc2)), eps);
        const decayed = wd === 0 ? s.param : tf.mul(s.param, 1 - lr * wd);
        s.param.assign(tf.sub(decayed, tf.mul(tf.div(m, denom), lr / bc1)));
      }
    });
  }

  /** Moments and step counts by name (`<name>/exp_avg`, `<name>/exp_avg_sq`, `<name>/step`), for checkpoints. */
  async state(): Promise<Record<string, Float32Array>> {
    const out: Record<string, Float32Array> = {};
    for (const [name, s] of this.#slots) {
      // await data(), not dataSync(): WebGPU's dataSync silently returned zeros (ENVIRONMENT.md).
      out[`${name}/exp_avg`] = (await s.m.data()) as Float32Array;
      out[`${name}/exp_avg_sq`] = (await s.v.data()) as Float32Array;
      out[`${name}/step`] = Float32Array.of(s.step);
    }
    return out;
  }

  /** Restores what `state()` returned; every parameter must be present with matching sizes. */
  loadState(state: Readonly<Record<string, Float32Array>>): void {
    const tf = this.#tf;
    for (const [name, s] of this.#slots) {
      const m = state[`${name}/exp_avg`];
      const v = state[`${name}/exp_avg_sq`];
      const step = state[`${name}/step`];
      if (!m || !v || !step) throw new Error(`Optimizer state has no entry for ${name}: the checkpoint does not match this model`);
      if (m.length !== s.param.size || v.length !== s.param.size) {
        throw new Error(`Optimizer state for ${name} has ${m.length} values, the parameter has ${s.param.size}`);
      }
      tf.tidy(() => {
        s.m.assign(tf.tensor(m, s.param.shape));
        s.v.assign(tf.tensor(v, s.param.shape));
      });
      s.step = step[0] ?? 0;
    }
  }

  dispose(): void {
    for (const s of this.#slots.values()) {
      s.m.dispose();
      s.v.dispose();
    }
    this.#slots.clear();
  }

  #slot(name: string): Slot {
    const s = this.#slots.get(name);
    if (!s) throw new Error(`AdamW has no parameter ${name} (non-trainable, or not given to the constructor)`);
    return s;
  }
}
