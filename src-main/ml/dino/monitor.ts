/**
 * Collapse monitor (report §4 and Figure 4; paper §5.3 / Fig. 7). The loss splits as
 * H(Pt, Ps) = h(Pt) + KL(Pt‖Ps). Watching its two parts tells the two collapses apart:
 * - h(Pt) → 0: one dimension dominates every output (centring missing or too weak);
 * - h(Pt) → log K: the teacher output is uniform whatever the input (no sharpening);
 * - in both, KL(Pt‖Ps) → 0: the student matches a teacher that says nothing about the input.
 */
import type { Scalar, Tensor2D, Variable } from '@tensorflow/tfjs';
import type { Tf } from '../engine/index.js';

/**
 * h(Pt) and KL(Pt‖Ps), each averaged over the rows: Pt = softmax((t − C)/τt) of the teacher on
 * the global views, Ps = softmax(s/τs) of the student on the *same* views (row i of both is the
 * same crop). Natural logarithms (nats).
 */
export function collapseMetrics(
  tf: Tf,
  args: { teacherOut: Tensor2D; studentGlobalOut: Tensor2D; center: Variable | Tensor2D; teacherTemp: number; studentTemp: number },
): { entropy: Scalar; kl: Scalar } {
  return tf.tidy(() => {
    const logPt = tf.logSoftmax(tf.div(tf.sub(args.teacherOut, args.center), args.teacherTemp));
    const logPs = tf.logSoftmax(tf.div(args.studentGlobalOut, args.studentTemp));
    const pt = tf.exp(logPt);
    const entropy = tf.mean(tf.neg(tf.sum(tf.mul(pt, logPt), -1))) as Scalar;
    const kl = tf.mean(tf.sum(tf.mul(pt, tf.sub(logPt, logPs)), -1)) as Scalar;
    return { entropy, kl };
  });
}

export type CollapseKind = 'dimension-collapse' | 'uniform-collapse' | 'kl-collapse';

export interface CollapseWarning {
  kind: CollapseKind;
  message: string;
  /** Window means that triggered it. */
  entropy: number;
  kl: number;
}

export interface CollapseMonitorOptions {
  /** K: the entropy is judged relative to its maximum, log K. */
  outDim: number;
  /** Steps averaged before judging (noise of single batches would raise false alarms). Default 20. */
  window?: number;
  /**
   * h/log K below this = one dimension takes (almost) all the mass. Default 0.05: with K = 4096
   * that is ~0.4 nats, i.e. about e^0.4 ≈ 1.5 effective dimensions per sample. A healthy DINO
   * teacher stays far above (Fig. 4: well away from both ends).
   */
  lowEntropyRatio?: number;
  /**
   * h/log K above this = nearly uniform output. Default 0.97: a uniform teacher has ratio 1; a
   * sharpened one (τt = 0.04) sits clearly below even at initialisation.
   */
  highEntropyRatio?: number;
  /**
   * KL below this (nats) = the student matches the teacher completely, which for a teacher that
   * still differs per input does not happen: collapse of a kind the entropy does not show (yet).
   * Default 1e-3; both collapses of Fig. 4 reach it.
   */
  klFloor?: number;
}

/**
 * Watches h(Pt) and KL(Pt‖Ps) over a sliding window and warns once the window's means sit in a
 * collapsed regime. The entropy warnings come first because they name the cause; the KL one
 * catches what is left.
 */
export class CollapseMonitor {
  readonly window: number;
  readonly logK: number;
  readonly lowEntropyRatio: number;
  readonly highEntropyRatio: number;
  readonly klFloor: number;
  readonly #entropy: number[] = [];
  readonly #kl: number[] = [];
  /** Whether the latest step sharpened the teacher (τt < τs); null when not told. */
  #sharpened: boolean | null = null;

  constructor(opts: CollapseMonitorOptions) {
    this.window = opts.window ?? 20;
    this.logK = Math.log(opts.outDim);
    this.lowEntropyRatio = opts.lowEntropyRatio ?? 0.05;
    this.highEntropyRatio = opts.highEntropyRatio ?? 0.97;
    this.klFloor = opts.klFloor ?? 1e-3;
  }

  /**
   * Records one step's metrics; returns a warning when the full window looks collapsed. The
   * step's temperatures, when given, let a uniform teacher be explained: without sharpening
   * (τt ≥ τs) that is the cause; with it, the centred targets no longer depend on the input.
   */
  observe(metrics: { entropy: number; kl: number; teacherTemp?: number; studentTemp?: number }): CollapseWarning | null {
    this.#sharpened = metrics.teacherTemp !== undefined && metrics.studentTemp !== undefined ? metrics.teacherTemp < metrics.studentTemp : null;
    this.#entropy.push(metrics.entropy);
    this.#kl.push(metrics.kl);
    if (this.#entropy.length > this.window) {
      this.#entropy.shift();
      this.#kl.shift();
    }
    return this.status();
  }

  /** The current verdict (null until the window is full, or when healthy). */
  status(): CollapseWarning | null {
    if (this.#entropy.length < this.window) return null;
    const entropy = mean(this.#entropy);
    const kl = mean(this.#kl);
    const ratio = entropy / this.logK;
    const at = `h(Pt) = ${entropy.toFixed(3)} nats (${(100 * ratio).toFixed(1)}% of log K), KL(Pt‖Ps) = ${kl.toExponential(2)}`;
    if (ratio < this.lowEntropyRatio) {
      return {
        kind: 'dimension-collapse',
        message: `Teacher output is dominated by one dimension (${at}): centring is missing or too weak; lower centerMomentum or check the centre is updated.`,
        entropy,
        kl,
      };
    }
    if (ratio > this.highEntropyRatio) {
      return {
        kind: 'uniform-collapse',
        message:
          this.#sharpened === true
            ? // The reference at a small scale on demo B-scans does the same (tests/bench/ml/dino-knn.bench.ts):
              // the untrained backbone's features barely differ between images that look alike.
              `Teacher output is uniform although it is sharpened (${at}): once centred, the teacher's outputs no longer depend on the input. ` +
              'Early in a run on images that look alike (OCT B-scans) this is where DINO starts: the untrained backbone gives nearly the same features for every image, ' +
              'and short runs on few images end here. Train longer or on more images; if it appears late in a long run, lower the teacher temperature or the learning rate.'
            : `Teacher output is uniform (${at}): no sharpening; lower the teacher temperature (0.04-0.07) below the student's.`,
        entropy,
        kl,
      };
    }
    if (kl < this.klFloor) {
      return {
        kind: 'kl-collapse',
        message: `Student and teacher agree exactly (${at}): the outputs no longer depend on the input; check centring and sharpening.`,
        entropy,
        kl,
      };
    }
    return null;
  }

  reset(): void {
    this.#entropy.length = 0;
    this.#kl.length = 0;
    this.#sharpened = null;
  }
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
