/**
 * The linear layer (PyTorch `nn.Linear`): y = x · Wᵀ + b, with W kept in PyTorch's
 * [out, in] layout so that parameters have the reference's names *and* shapes.
 *
 * Why a hand-written gradient: on the wasm backend only untransposed, unbatched products go
 * to XNNPACK (≈ 25 GFLOP/s here); automatic differentiation of `matMul` asks for
 * `dy · W` and `xᵀ · dy` as transposed products, which run on a scalar loop at ≈ 1.5 GFLOP/s.
 * The backward below transposes one operand explicitly (a 2-D transpose is a cheap copy)
 * and then multiplies untransposed.
 */
import type { Tf } from '../engine/index.js';
import type * as tfc from '@tensorflow/tfjs';
import { customOp } from './custom-op.js';

/** `fast`: custom gradients built from untransposed 2-D products; `autodiff`: tfjs's own. */
export type GradMode = 'fast' | 'autodiff';

/**
 * dW = dyᵀ · x as an untransposed product: transpose whichever of dy [M, out] and x [M, in]
 * is narrower (measured: transposing a [3200, 192] tensor takes ~1 ms, a [3200, 576] ~13 ms).
 */
function weightGrad(tf: Tf, x: tfc.Tensor2D, dy: tfc.Tensor2D): tfc.Tensor2D {
  const [, inDim] = x.shape;
  const [, outDim] = dy.shape;
  if (outDim <= inDim) {
    const dyT = tf.transpose(dy);
    const dw: tfc.Tensor2D = tf.matMul(dyT, x);
    dyT.dispose();
    return dw;
  }
  const xT = tf.transpose(x);
  const dwT: tfc.Tensor2D = tf.matMul(xT, dy); // [in, out]
  xT.dispose();
  const dw: tfc.Tensor2D = tf.transpose(dwT);
  dwT.dispose();
  return dw;
}

function fastLinear(tf: Tf, x: tfc.Tensor2D, weight: tfc.Tensor2D, bias: tfc.Tensor1D | null): tfc.Tensor2D {
  if (bias === null) {
    const op = customOp<[tfc.Tensor2D, tfc.Tensor2D], tfc.Tensor2D>(tf, ([xIn, w], save) => {
      save([xIn, w]);
      const wT = tf.transpose(w);
      return {
        value: tf.matMul(xIn, wT),
        gradFunc: (dy, [xs, ws]) => [tf.matMul(dy, ws as tfc.Tensor2D), weightGrad(tf, xs as tfc.Tensor2D, dy)],
      };
    });
    return op(x, weight);
  }
  const op = customOp<[tfc.Tensor2D, tfc.Tensor2D, tfc.Tensor1D], tfc.Tensor2D>(tf, ([xIn, w, b], save) => {
    save([xIn, w]);
    const wT = tf.transpose(w);
    return {
      // The fused product adds the bias inside XNNPACK: one pass over y fewer.
      value: tf.fused.matMul({ a: xIn, b: wT, bias: b }) as tfc.Tensor2D,
      gradFunc: (dy, [xs, ws]) => [
        tf.matMul(dy, ws as tfc.Tensor2D),
        weightGrad(tf, xs as tfc.Tensor2D, dy),
        tf.sum(dy, 0),
      ],
    };
  });
  return op(x, weight, bias);
}

/** y = x · Wᵀ + b for x [M, in], W [out, in], b [out] (or null): y is [M, out]. */
export function linear(
  tf: Tf,
  x: tfc.Tensor2D,
  weight: tfc.Tensor2D,
  bias: tfc.Tensor1D | null,
  mode: GradMode,
): tfc.Tensor2D {
  if (mode === 'fast') return fastLinear(tf, x, weight, bias);
  return tf.tidy((): tfc.Tensor2D => {
    const y: tfc.Tensor2D = tf.matMul(x, tf.transpose(weight));
    return bias === null ? y : (tf.add(y, bias) as tfc.Tensor2D);
  });
}
