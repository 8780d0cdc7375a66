/**
 * Fully connected layer `y = x W + b` with a hand-written gradient made only of untransposed
 * 2-D matrix products.
 *
 * Why: the wasm backend sends a product to XNNPACK only when neither operand is transposed;
 * automatic differentiation of `matMul` asks for `dy Wᵀ` and `xᵀ dy` as transposed products,
 * which fall to a scalar loop ~10x slower (ENVIRONMENT.md). Transposing explicitly first (a cheap
 * 2-D copy) and then multiplying keeps every product on the fast path.
 *
 * Layout: W is [in, out] (PyTorch stores nn.Linear weights as [out, in]; a checkpoint converter
 * transposes).
 */
import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import type { Tf } from '../engine/index.js';

type Dense = (x: Tensor2D, w: Tensor2D, b?: Tensor1D) => Tensor2D;

const cache = new WeakMap<Tf, { withBias: (...a: Tensor[]) => Tensor2D; noBias: (...a: Tensor[]) => Tensor2D }>();

function build(tf: Tf): { withBias: (...a: Tensor[]) => Tensor2D; noBias: (...a: Tensor[]) => Tensor2D } {
  // dx = dy Wᵀ and dW = xᵀ dy, each as transpose-then-multiply (see the module comment).
  const backward = (dy: Tensor2D, x: Tensor2D, w: Tensor2D): [Tensor2D, Tensor2D] => [
    tf.matMul(dy, tf.transpose(w)),
    tf.matMul(tf.transpose(x), dy),
  ];
  const withBias = tf.customGrad<Tensor2D>((...args) => {
    const [x, w, b, save] = args as [Tensor2D, Tensor2D, Tensor1D, (t: Tensor[]) => void];
    save([x, w]);
    return {
      value: tf.add(tf.matMul(x, w), b) as Tensor2D,
      gradFunc: (dy: Tensor2D, saved: Tensor[]): Tensor[] => {
        const [dx, dw] = backward(dy, saved[0] as Tensor2D, saved[1] as Tensor2D);
        return [dx, dw, tf.sum(dy, 0)];
      },
    };
  });
  const noBias = tf.customGrad<Tensor2D>((...args) => {
    const [x, w, save] = args as [Tensor2D, Tensor2D, (t: Tensor[]) => void];
    save([x, w]);
    return {
      value: tf.matMul(x, w),
      gradFunc: (dy: Tensor2D, saved: Tensor[]): Tensor[] => backward(dy, saved[0] as Tensor2D, saved[1] as Tensor2D),
    };
  });
  return { withBias: withBias as (...a: Tensor[]) => Tensor2D, noBias: noBias as (...a: Tensor[]) => Tensor2D };
}

/** `x [N, in] · w [in, out] (+ b [out])` with the fast-path gradient. */
export function denseCustomGrad(tf: Tf): Dense {
  let fns = cache.get(tf);
  if (!fns) {
    fns = build(tf);
    cache.set(tf, fns);
  }
  const { withBias, noBias } = fns;
  return (x, w, b) => (b ? withBias(x, w, b) : noBias(x, w));
}
