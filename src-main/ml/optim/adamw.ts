/**
 * AdamW exactly as PyTorch's `torch.optim.AdamW` (decoupled weight decay, bias correction,
 * betas 0.9/0.999, eps 1e-8 outside the square root), with the two parameter groups of the DINO
 * reference (`utils.get_params_groups`): weights are decayed, biases and 1-D parameters (norm
 * gains and shifts) are not. The learning rate and weight decay come from the schedules each step.
 *
 * Each parameter keeps its own step count, as PyTorch does: a parameter without a gradient this
 * step (the last layer while it is frozen) is skipped entirely — no decay, no moment update, no
 * step — so its bias correction starts when it first trains.
 *
 * `fused` updates each set of parameters that share lr, weight decay and step count as one flat
 * tensor (PyTorch's multi-tensor "foreach" AdamW): the same float32 operations per element, so
 * the same values, in ~20 kernels plus one copy per parameter and moment instead of ~14 kernels
 * per parameter. On a GPU backend each kernel launch costs more than the arithmetic of a small
 * parameter (webgpu: ~0.1 ms); on the CPU backends the extra copies cost more than they save.
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
  /** Update parameters in flat groups (see above). Default: on GPU backends (webgpu, tensorflow). */
  fused?: boolean;
}

/**
 * Backends whose per-kernel launch cost makes the fused update worth its copies.
 * OCTDINO_FUSED_UPDATES=1 or 0 overrides (for measuring one against the other).
 */
export function prefersFusedUpdates(tf: Tf): boolean {
  const forced = process.env.OCTDINO_FUSED_UPDATES;
  if (forced === '1' || forced === '0') return forced === '1';
  const backend = tf.getBackend();
  return backend === 'webgpu' || backend === 'tensorflow';
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
  readonly fused: boolean;
  readonly #tf: Tf;
  readonly #slots = new Map<string, Slot>();

  /** `params`: the trainable variables by name; non-trainable ones are left out, as the reference skips `requires_grad=False`. */
  constructor(tf: Tf, params: ReadonlyMap<string, Variable>, opts: AdamWOptions = {}) {
    this.#tf = tf;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.fused = opts.fused ?? prefersFusedUpdates(tf);
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
    // Parameters that share lr, weight decay and step count take the same update constants.
    const groups = new Map<string, { slots: Slot[]; grads: Tensor[] }>();
    for (const [name, g] of entries) {
      const s = this.#slot(name);
      s.step += 1;
      const key = this.fused ? `${s.regularized}|${s.lrScale}|${s.step}` : name;
      const group = groups.get(key) ?? { slots: [], grads: [] };
      group.slots.push(s);
      group.grads.push(g);
      groups.set(key, group);
    }
    // One tidy per group, so that a group's temporaries are freed before the next group runs:
    // around the whole loop they would all live at once, ~12 copies of the model at the peak.
    for (const { slots, grads: gs } of groups.values()) {
      tf.tidy(() => {
        const first = slots[0]!;
        const constants = { lr: baseLr * first.lrScale, wd: first.regularized ? weightDecay : 0, step: first.step };
        if (slots.length === 1) {
          const [m, v, p] = this.#update(first.m, first.v, first.param, gs[0]!, constants);
          first.m.assign(m);
          first.v.assign(v);
          first.param.assign(p);
          return;
        }
        const flat = (ts: readonly Tensor[]): Tensor => tf.concat(ts.map((t) => tf.reshape(t, [-1])));
        const sizes = slots.map((s) => s.param.size);
        const updated = this.#update(flat(slots.map((s) => s.m)), flat(slots.map((s) => s.v)), flat(slots.map((s) => s.param)), flat(gs), constants);
        const [ms, vs, ps] = updated.map((t) => tf.split(t, sizes));
        slots.forEach((s, i) => {
          s.m.assign(tf.reshape(ms![i]!, s.param.shape));
          s.v.assign(tf.reshape(vs![i]!, s.param.shape));
          s.param.assign(tf.reshape(ps![i]!, s.param.shape));
        });
      });
    }
  }

  /** One AdamW update of (m, v, p) by g, element by element: [m', v', p']. */
  #update(m: Tensor, v: Tensor, p: Tensor, g: Tensor, { lr, wd, step }: { lr: number; wd: number; step: number }): [Tensor, Tensor, Tensor] {
    const tf = this.#tf;
    const { beta1: b1, beta2: b2, eps } = this;
    const bc1 = 1 - b1 ** step;
    const bc2 = 1 - b2 ** step;
    const m2 = tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1));
    const v2 = tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2));
    // PyTorch: p ← p·(1 − lr·wd), then p ← p − (lr/bc1) · m / (√v/√bc2 + eps).
    const denom = tf.add(tf.div(tf.sqrt(v2), Math.sqrt(bc2)), eps);
    const decayed = wd === 0 ? p : tf.mul(p, 1 - lr * wd);
    return [m2, v2, tf.sub(decayed, tf.mul(tf.div(m2, denom), lr / bc1))];
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
