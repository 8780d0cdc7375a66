/**
 * A typed wrapper around `tf.customGrad`: an op whose backward pass we write ourselves, so
 * that on wasm it can be built from the products and elementwise kernels that are fast there
 * (automatic differentiation of `matMul` produces transposed products, which wasm runs on a
 * slow scalar loop). Ops inside the forward function are not recorded on the gradient tape;
 * only what `save` keeps lives until the backward pass.
 */
import type { Tf } from '../engine/index.js';
import type * as tfc from '@tensorflow/tfjs';

export interface CustomOpResult<O extends tfc.Tensor> {
  value: O;
  /** Gradients for every input, in order, each with its input's shape. */
  gradFunc: (dy: O, saved: tfc.Tensor[]) => tfc.Tensor[];
}

export function customOp<I extends tfc.Tensor[], O extends tfc.Tensor>(
  tf: Tf,
  forward: (inputs: I, save: tfc.GradSaveFunc) => CustomOpResult<O>,
): (...inputs: I) => O {
  type Fn = Parameters<Tf['customGrad']>[0];
  const op = tf.customGrad(((...args: Array<tfc.Tensor | tfc.GradSaveFunc>) => {
    const save = args[args.length - 1] as tfc.GradSaveFunc;
    return forward(args.slice(0, -1) as I, save);
  }) as unknown as Fn);
  return (...inputs: I) => op(...inputs) as O;
}
