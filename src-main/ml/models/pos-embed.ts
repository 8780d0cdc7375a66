/**
 * Position embeddings for another patch grid: the reference `interpolate_pos_encoding`
 * (bicubic resampling of the learned grid, PyTorch's `F.interpolate(mode='bicubic',
 * align_corners=False)`, cubic coefficient A = -0.75), written as one precomputed matrix so
 * that resampling (and its gradient) is a plain matrix product.
 */
import type { Tf } from '../engine/index.js';
import type * as tfc from '@tensorflow/tfjs';
import { customOp } from './custom-op.js';

/** PyTorch's cubic convolution coefficient (`upsample_bicubic2d`, A = -0.75). */
const CUBIC_A = -0.75;

/** Weights of the 4 neighbours at offsets -1..2 for fractional position t (PyTorch's order). */
function cubicCoefficients(t: number): [number, number, number, number] {
  const A = CUBIC_A;
  const near = (x: number): number => ((A + 2) * x - (A + 3)) * x * x + 1; // |x| <= 1
  const far = (x: number): number => ((A * x - 5 * A) * x + 8 * A) * x - 4 * A; // 1 < |x| < 2
  return [far(t + 1), near(t), near(1 - t), far(2 - t)];
}

/**
 * One axis of bicubic resampling as a row-major [outSize, inSize] matrix. `scale` is the
 * input-per-output step PyTorch uses: `1 / scale_factor` when a scale factor is given (as the
 * reference does, with its +0.1), else `inSize / outSize`. Neighbours past the edge are
 * clamped to it, as PyTorch's bounded access does.
 */
export function bicubicAxisMatrix(inSize: number, outSize: number, scale = inSize / outSize): Float64Array {
  const m = new Float64Array(outSize * inSize);
  for (let o = 0; o < outSize; o++) {
    const real = scale * (o + 0.5) - 0.5; // align_corners=False source coordinate, not clamped for cubic
    const base = Math.floor(real);
    const coeffs = cubicCoefficients(real - base);
    for (let j = 0; j < 4; j++) {
      const i = Math.min(Math.max(base - 1 + j, 0), inSize - 1);
      m[o * inSize + i]! += coeffs[j]!;
    }
  }
  return m;
}

export interface GridResample {
  /** [outH*outW, inH*inW]: resampled = matrix · grid, tokens in row-major (y, x) order. */
  matrix: Float32Array;
  outRows: number;
  inRows: number;
}

/**
 * The 2-D resampling matrix from an inH x inW grid to outH x outW (separable: the Kronecker
 * product of the two axis matrices). `scaleH/scaleW` as in `bicubicAxisMatrix`.
 */
export function bicubicGridMatrix(
  inH: number,
  inW: number,
  outH: number,
  outW: number,
  scaleH = inH / outH,
  scaleW = inW / outW,
): GridResample {
  const my = bicubicAxisMatrix(inH, outH, scaleH);
  const mx = bicubicAxisMatrix(inW, outW, scaleW);
  const inRows = inH * inW;
  const outRows = outH * outW;
  const matrix = new Float32Array(outRows * inRows);
  for (let oy = 0; oy < outH; oy++)
    for (let ox = 0; ox < outW; ox++)
      for (let iy = 0; iy < inH; iy++) {
        const wy = my[oy * inH + iy]!;
        if (wy === 0) continue;
        for (let ix = 0; ix < inW; ix++) {
          matrix[(oy * outW + ox) * inRows + iy * inW + ix] = wy * mx[ox * inW + ix]!;
        }
      }
  return { matrix, outRows, inRows };
}

/**
 * The matrix the reference's `interpolate_pos_encoding` applies for a gh x gw patch grid from
 * a square grid of side `side`: `scale_factor = (gh + 0.1) / side` (the +0.1 avoids a
 * floating-point floor error, dino issue #8), and PyTorch then samples with 1 / scale_factor,
 * so the +0.1 shifts the sampling positions slightly; we reproduce that exactly.
 */
export function referencePosEmbedMatrix(side: number, gh: number, gw: number): GridResample {
  return bicubicGridMatrix(side, side, gh, gw, side / (gh + 0.1), side / (gw + 0.1));
}

/**
 * Resamples patch position embeddings [inRows, D] to [outRows, D] with a constant matrix.
 * The gradient is matrixᵀ · dy with the transpose precomputed, so that on wasm both
 * products are untransposed 2-D products (the fast XNNPACK path).
 */
export function resamplePositions(
  tf: Tf,
  grid: tfc.Tensor2D,
  matrix: tfc.Tensor2D,
  matrixT: tfc.Tensor2D,
): tfc.Tensor2D {
  const op = customOp<[tfc.Tensor2D], tfc.Tensor2D>(tf, ([g]) => ({
    value: tf.matMul(matrix, g),
    gradFunc: (dy) => [tf.matMul(matrixT, dy)],
  }));
  return op(grid);
}
