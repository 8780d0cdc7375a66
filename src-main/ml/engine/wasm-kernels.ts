/**
 * Convolution gradients for the wasm backend, so convolutional backbones (ResNet) train there.
 *
 * tfjs-backend-wasm 4.22 has no `Conv2DBackpropFilter` and no depthwise backprop at all, and its
 * `Conv2DBackpropInput` is a scalar C++ loop (≈ 2.5 GFLOP/s here, a tenth of its forward
 * convolution, which XNNPACK runs at ≈ 28 GFLOP/s). The kernels below are built only from what
 * is fast on wasm — untransposed 2-D matrix products, forward convolutions, 4-D transposes,
 * slices and concatenations — and are registered in place of the missing or slow ones.
 *
 * - dW (filter gradient): dW[i, j, ci, co] = Σ_{b,oy,ox} x[b, s·oy + i − top, s·ox + j − left, ci]
 *   · dy[b, oy, ox, co]. Each kernel tap (i, j) is a shifted view of x; with x laid out as
 *   [Ci, B, H, W] that view is a plain slice [Ci, B·OH·OW], so all taps stacked give one
 *   untransposed product [taps·Ci, M] · [M, Co]. Strided slices are slow on wasm (≈ 1.5 GFLOP/s
 *   for the product they feed), so a stride-s input is first split into its s x s phases by one
 *   4-D transpose, after which every tap is again a plain slice of one phase.
 * - dx (input gradient): dx is a sum over taps of dy shifted and multiplied by the transposed
 *   filter. Split by output phase (the s x s residues of the input position), each phase is an
 *   ordinary stride-1 convolution of dy with a sub-kernel of the filter, flipped and with its
 *   in/out channels swapped; XNNPACK runs those, and the phases are interleaved by
 *   concatenations and reshapes (no transposes). For stride 1 this is the textbook "full
 *   convolution with the flipped filter".
 */
import type * as tfc from '@tensorflow/tfjs';
import type { Tf } from './types.js';

/** Geometry of one convolution, NHWC, dilation 1. */
export interface ConvGeometry {
  batch: number;
  inH: number;
  inW: number;
  outH: number;
  outW: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  /** Zero rows/columns added before the input (PyTorch's `padding`). */
  top: number;
  left: number;
}

export class WasmKernelError extends Error {
  override readonly name = 'WasmKernelError';
}

const ceilDiv = (a: number, b: number): number => Math.ceil(a / b);

function geometry(info: tfc.backend_util.Conv2DInfo): ConvGeometry {
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) {
    throw new WasmKernelError('convolution gradients with dilation > 1 are not supported on wasm: use dilation 1 or the cpu backend');
  }
  return {
    batch: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    outH: info.outHeight,
    outW: info.outWidth,
    kh: info.filterHeight,
    kw: info.filterWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    top: info.padInfo.top,
    left: info.padInfo.left,
  };
}

/**
 * The input as s x s phase planes [sh·sw·C, B, Hp/sh, Wp/sw] (zero padded), so that kernel tap
 * (i, j) is the plain slice at phase (i mod sh, j mod sw), offset (⌊i/sh⌋, ⌊j/sw⌋), of size
 * [C, B, OH, OW].
 */
function phasePlanes(tf: Tf, x: tfc.Tensor4D, g: ConvGeometry): tfc.Tensor4D {
  const c = x.shape[3];
  const hp = g.sh * ceilDiv(Math.max(g.top + g.inH, (g.outH - 1) * g.sh + g.kh), g.sh);
  const wp = g.sw * ceilDiv(Math.max(g.left + g.inW, (g.outW - 1) * g.sw + g.kw), g.sw);
  const xt = tf.transpose(x, [3, 0, 1, 2]); // [C, B, H, W]
  const padded = tf.pad(xt, [[0, 0], [0, 0], [g.top, hp - g.top - g.inH], [g.left, wp - g.left - g.inW]]);
  if (g.sh === 1 && g.sw === 1) return padded;
  // [(C, B, Hp/sh), sh, Wp/sw, sw] → [sh, sw, (C, B, Hp/sh), Wp/sw]: one 4-D transpose.
  const split = tf.reshape(padded, [c * g.batch * (hp / g.sh), g.sh, wp / g.sw, g.sw]);
  return tf.reshape(tf.transpose(split, [1, 3, 0, 2]), [g.sh * g.sw * c, g.batch, hp / g.sh, wp / g.sw]);
}

/** Tap (i, j) of the phase planes: [C, B·OH·OW]. */
function tap(tf: Tf, planes: tfc.Tensor4D, c: number, g: ConvGeometry, i: number, j: number): tfc.Tensor2D {
  const phase = (i % g.sh) * g.sw + (j % g.sw);
  const view = tf.slice(planes, [phase * c, 0, Math.floor(i / g.sh), Math.floor(j / g.sw)], [c, g.batch, g.outH, g.outW]);
  return tf.reshape(view, [c, g.batch * g.outH * g.outW]);
}

/** Rows of taps stacked per product: enough rows to keep XNNPACK busy when C is small (conv1). */
const MIN_ROWS_PER_PRODUCT = 64;

/** dW [kh, kw, Ci, Co] of a convolution, from x [B, H, W, Ci] and dy [B, OH, OW, Co]. */
export function conv2dFilterGrad(tf: Tf, x: tfc.Tensor4D, dy: tfc.Tensor4D, g: ConvGeometry): tfc.Tensor4D {
  return tf.tidy(() => {
    const ci = x.shape[3];
    const co = dy.shape[3];
    const planes = phasePlanes(tf, x, g);
    const dyMat = tf.reshape(dy, [g.batch * g.outH * g.outW, co]);
    const perProduct = Math.max(1, Math.ceil(MIN_ROWS_PER_PRODUCT / ci));
    const taps: [number, number][] = [];
    for (let i = 0; i < g.kh; i++) for (let j = 0; j < g.kw; j++) taps.push([i, j]);
    const parts: tfc.Tensor2D[] = [];
    for (let k = 0; k < taps.length; k += perProduct) {
      // Each group is built and multiplied in its own scope, so only one group's rows live at once.
      parts.push(
        tf.tidy(() => {
          const rows = taps.slice(k, k + perProduct).map(([i, j]) => tap(tf, planes, ci, g, i, j));
          return tf.matMul(rows.length === 1 ? rows[0]! : tf.concat(rows, 0), dyMat); // [n·Ci, Co]
        }),
      );
    }
    const all = parts.length === 1 ? parts[0]! : tf.concat(parts, 0);
    return tf.reshape(all, [g.kh, g.kw, ci, co]);
  });
}

/** dW [kh, kw, C, mult] of a depthwise convolution, from x [B, H, W, C] and dy [B, OH, OW, C·mult]. */
export function depthwiseFilterGrad(tf: Tf, x: tfc.Tensor4D, dy: tfc.Tensor4D, g: ConvGeometry): tfc.Tensor4D {
  return tf.tidy(() => {
    const c = x.shape[3];
    const mult = dy.shape[3] / c;
    const m = g.batch * g.outH * g.outW;
    const planes = phasePlanes(tf, x, g);
    const dyT = tf.reshape(tf.transpose(tf.reshape(dy, [m, c * mult])), [c, mult, m]);
    const perTap: tfc.Tensor2D[] = [];
    for (let i = 0; i < g.kh; i++)
      for (let j = 0; j < g.kw; j++) {
        // Σ_M x_tap[c, M] · dy[c, m, M]: a product and a reduction over the last (fast) axis.
        perTap.push(tf.tidy(() => tf.sum(tf.mul(tf.reshape(tap(tf, planes, c, g, i, j), [c, 1, m]), dyT), 2)));
      }
    return tf.reshape(tf.stack(perTap), [g.kh, g.kw, c, mult]);
  });
}

/** One dimension of an output phase: which filter taps reach it and how dy lines up. */
interface PhaseAxis {
  /** Sub-kernel length (0: no tap reaches this phase, its gradient is zero). */
  taps: number;
  /** First tap of the sub-kernel in the flipped filter (stride s apart). */
  start: number;
  /** Zero rows before dy (negative: rows of dy to drop). */
  before: number;
  /** Zero rows after dy (negative: rows of dy to drop). */
  after: number;
}

/**
 * Input rows r, r + s, r + 2s, … (n of them) receive dy[a + q − m] · w[t0 + s·m] for
 * t0 = (r + pad) mod s, q = ⌊(r + pad)/s⌋: a stride-1 correlation of dy with the sub-kernel
 * w[t0], w[t0 + s], … read backwards.
 */
function phaseAxis(r: number, pad: number, k: number, s: number, outLen: number, n: number): PhaseAxis {
  const t0 = (r + pad) % s;
  const q = Math.floor((r + pad) / s);
  const taps = t0 < k ? ceilDiv(k - t0, s) : 0;
  const before = taps - 1 - q;
  return { taps, start: k - 1 - t0 - s * (taps - 1), before, after: n + taps - 1 - outLen - before };
}

/** dy padded (or cropped) by `before`/`after` rows and columns. */
function padOrCrop(tf: Tf, dy: tfc.Tensor4D, rows: PhaseAxis, cols: PhaseAxis): tfc.Tensor4D {
  const [b, h, w, c] = dy.shape;
  const cropTop = Math.max(0, -rows.before);
  const cropLeft = Math.max(0, -cols.before);
  const keepH = h - cropTop - Math.max(0, -rows.after);
  const keepW = w - cropLeft - Math.max(0, -cols.after);
  const cropped = cropTop + cropLeft + keepH + keepW === h + w ? dy : tf.slice(dy, [0, cropTop, cropLeft, 0], [b, keepH, keepW, c]);
  const pads: [number, number][] = [[0, 0], [Math.max(0, rows.before), Math.max(0, rows.after)], [Math.max(0, cols.before), Math.max(0, cols.after)], [0, 0]];
  return pads.every(([p0, p1]) => p0 === 0 && p1 === 0) ? cropped : tf.pad(cropped, pads);
}

/**
 * dx [B, H, W, Ci] from dy [B, OH, OW, Co] through the phases of the input. `phaseConv` runs
 * one phase's stride-1 correlation of (padded) dy with its sub-kernel rows/cols of `flipped`.
 */
function inputGradByPhases(
  tf: Tf,
  dy: tfc.Tensor4D,
  g: ConvGeometry,
  ci: number,
  phaseConv: (dyPadded: tfc.Tensor4D, rows: PhaseAxis, cols: PhaseAxis) => tfc.Tensor4D,
): tfc.Tensor4D {
  return tf.tidy((): tfc.Tensor4D => {
    const nA = ceilDiv(g.inH, g.sh);
    const nB = ceilDiv(g.inW, g.sw);
    const rowsOfPhases: tfc.Tensor4D[] = [];
    for (let ry = 0; ry < g.sh; ry++) {
      const rows = phaseAxis(ry, g.top, g.kh, g.sh, g.outH, nA);
      const phases: tfc.Tensor4D[] = [];
      for (let rx = 0; rx < g.sw; rx++) {
        const cols = phaseAxis(rx, g.left, g.kw, g.sw, g.outW, nB);
        phases.push(rows.taps === 0 || cols.taps === 0 ? (tf.zeros([g.batch, nA, nB, ci]) as tfc.Tensor4D) : phaseConv(padOrCrop(tf, dy, rows, cols), rows, cols));
      }
      // Column phases side by side in the channel axis, then reshaped: (col, rx, c) → (sw·col + rx, c).
      const interleaved = phases.length === 1 ? phases[0]! : tf.concat(phases, 3);
      rowsOfPhases.push(tf.reshape(interleaved, [g.batch, nA, nB * g.sw, ci]));
    }
    // Row phases one after the other along W, then reshaped: (row, ry, col) → (sh·row + ry, col).
    const stacked = rowsOfPhases.length === 1 ? rowsOfPhases[0]! : tf.concat(rowsOfPhases, 2);
    const full = tf.reshape(stacked, [g.batch, nA * g.sh, nB * g.sw, ci]) as tfc.Tensor4D;
    return nA * g.sh === g.inH && nB * g.sw === g.inW ? full : tf.slice(full, [0, 0, 0, 0], [g.batch, g.inH, g.inW, ci]);
  });
}

/**
 * The sub-kernel of `flipped` [kh, kw, …] for one phase: taps start, start + s, … in each
 * dimension, gathered by plain slices (a strided slice is a slow scalar loop on wasm).
 */
function subKernel(tf: Tf, flipped: tfc.Tensor4D, rows: PhaseAxis, cols: PhaseAxis, g: ConvGeometry): tfc.Tensor4D {
  const [kh, kw] = flipped.shape;
  if (rows.taps === kh && cols.taps === kw) return flipped;
  const pick = (t: tfc.Tensor4D, axis: 0 | 1, a: PhaseAxis, s: number): tfc.Tensor4D => {
    const size = [...t.shape] as [number, number, number, number];
    size[axis] = 1;
    const parts = Array.from({ length: a.taps }, (_, m) => tf.slice(t, axis === 0 ? [a.start + s * m, 0, 0, 0] : [0, a.start + s * m, 0, 0], size));
    return parts.length === 1 ? parts[0]! : tf.concat(parts, axis);
  };
  const picked = rows.taps === kh ? flipped : pick(flipped, 0, rows, g.sh);
  return cols.taps === kw ? picked : pick(picked, 1, cols, g.sw);
}

/** dx [B, H, W, Ci] of a convolution, from dy [B, OH, OW, Co] and the filter [kh, kw, Ci, Co]. */
export function conv2dInputGrad(tf: Tf, dy: tfc.Tensor4D, filter: tfc.Tensor4D, g: ConvGeometry): tfc.Tensor4D {
  return tf.tidy(() => {
    // Flipped in space, input and output channels swapped: [kh, kw, Co, Ci].
    const flipped = tf.reverse(tf.transpose(filter, [0, 1, 3, 2]), [0, 1]) as tfc.Tensor4D;
    return inputGradByPhases(tf, dy, g, filter.shape[2], (d, rows, cols) => tf.conv2d(d, subKernel(tf, flipped, rows, cols, g), 1, 'valid'));
  });
}

/** dx [B, H, W, C] of a depthwise convolution, from dy [B, OH, OW, C·mult] and the filter [kh, kw, C, mult]. */
export function depthwiseInputGrad(tf: Tf, dy: tfc.Tensor4D, filter: tfc.Tensor4D, g: ConvGeometry): tfc.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, c, mult] = filter.shape;
    // One depthwise filter per (c, m) channel of dy, flipped in space: [kh, kw, C·mult, 1].
    const flipped = tf.reverse(tf.reshape(filter, [kh, kw, c * mult, 1]), [0, 1]) as tfc.Tensor4D;
    return inputGradByPhases(tf, dy, g, c, (d, rows, cols) => {
      const perChannel = tf.depthwiseConv2d(d, subKernel(tf, flipped, rows, cols, g), 1, 'valid');
      if (mult === 1) return perChannel;
      const [b, h, w] = perChannel.shape;
      return tf.sum(tf.reshape(perChannel, [b, h, w, c, mult]), 4);
    });
  });
}

type KernelArgs = Parameters<tfc.KernelFunc>[0];
type DataFormat = 'NHWC' | 'NCHW';

/** The kernel inputs as tensors (the engine passes tensors; plain infos are wrapped). */
function asTensor(tf: Tf, info: tfc.TensorInfo): { t: tfc.Tensor4D; owned: boolean } {
  if (info instanceof tf.Tensor) return { t: info as tfc.Tensor4D, owned: false };
  return { t: tf.engine().makeTensorFromTensorInfo(info) as tfc.Tensor4D, owned: true };
}

function withInputs(tf: Tf, infos: tfc.TensorInfo[], f: (...ts: tfc.Tensor4D[]) => tfc.Tensor4D): tfc.Tensor4D {
  const wrapped = infos.map((i) => asTensor(tf, i));
  try {
    return f(...wrapped.map((w) => w.t));
  } finally {
    for (const w of wrapped) if (w.owned) w.t.dispose();
  }
}

/** Runs an NHWC gradient on NCHW tensors by transposing in and out. */
function channelsLast(tf: Tf, format: DataFormat | undefined, xs: tfc.Tensor4D[], f: (...ts: tfc.Tensor4D[]) => tfc.Tensor4D, outIsImage: boolean): tfc.Tensor4D {
  if (format !== 'NCHW') return f(...xs);
  return tf.tidy(() => {
    const out = f(...xs.map((x) => tf.transpose(x, [0, 2, 3, 1])));
    return outIsImage ? tf.transpose(out, [0, 3, 1, 2]) : out;
  });
}

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | number | tfc.backend_util.ExplicitPadding;

function conv2DBackpropFilter(tf: Tf) {
  return ({ inputs, attrs }: KernelArgs): tfc.TensorInfo => {
    const a = attrs as unknown as { strides: number | [number, number]; pad: Pad; dataFormat?: DataFormat; dimRoundingMode?: 'floor' | 'round' | 'ceil'; filterShape: Shape4 };
    return withInputs(tf, [inputs.x!, inputs.dy!], (x, dy) => {
      const fmt = tf.backend_util.convertConv2DDataFormat(a.dataFormat ?? 'NHWC');
      const info = tf.backend_util.computeConv2DInfo(x.shape, a.filterShape, a.strides, 1, a.pad, a.dimRoundingMode, false, fmt);
      return channelsLast(tf, a.dataFormat, [x, dy], (xl, dyl) => conv2dFilterGrad(tf, xl, dyl, geometry(info)), false);
    });
  };
}

function conv2DBackpropInput(tf: Tf) {
  return ({ inputs, attrs }: KernelArgs): tfc.TensorInfo => {
    const a = attrs as unknown as { strides: number | [number, number]; pad: Pad; dataFormat?: DataFormat; dimRoundingMode?: 'floor' | 'round' | 'ceil'; inputShape: Shape4 };
    return withInputs(tf, [inputs.dy!, inputs.filter!], (dy, filter) => {
      const fmt = tf.backend_util.convertConv2DDataFormat(a.dataFormat ?? 'NHWC');
      const info = tf.backend_util.computeConv2DInfo(a.inputShape, filter.shape, a.strides, 1, a.pad, a.dimRoundingMode, false, fmt);
      return channelsLast(tf, a.dataFormat, [dy], (dyl) => conv2dInputGrad(tf, dyl, filter, geometry(info)), true);
    });
  };
}

type DepthwiseAttrs = { strides: number | [number, number]; dilations: number | [number, number]; pad: Pad; dimRoundingMode?: 'floor' | 'round' | 'ceil' };

function depthwiseBackpropFilter(tf: Tf) {
  return ({ inputs, attrs }: KernelArgs): tfc.TensorInfo => {
    const a = attrs as unknown as DepthwiseAttrs & { filterShape: Shape4 };
    return withInputs(tf, [inputs.x!, inputs.dy!], (x, dy) => {
      const info = tf.backend_util.computeConv2DInfo(x.shape, a.filterShape, a.strides, a.dilations, a.pad, a.dimRoundingMode, true);
      return depthwiseFilterGrad(tf, x, dy, geometry(info));
    });
  };
}

function depthwiseBackpropInput(tf: Tf) {
  return ({ inputs, attrs }: KernelArgs): tfc.TensorInfo => {
    const a = attrs as unknown as DepthwiseAttrs & { inputShape: Shape4 };
    return withInputs(tf, [inputs.dy!, inputs.filter!], (dy, filter) => {
      const info = tf.backend_util.computeConv2DInfo(a.inputShape, filter.shape, a.strides, a.dilations, a.pad, a.dimRoundingMode, true);
      return depthwiseInputGrad(tf, dy, filter, geometry(info));
    });
  };
}

/** The kernels this module provides for wasm, and whether each replaces a built-in one. */
export const WASM_TRAINING_KERNELS = [
  { name: 'Conv2DBackpropFilter', make: conv2DBackpropFilter, replaces: false },
  // Built in, but a scalar loop ≈ 10x slower than the XNNPACK convolutions used here.
  { name: 'Conv2DBackpropInput', make: conv2DBackpropInput, replaces: true },
  { name: 'DepthwiseConv2dNativeBackpropFilter', make: depthwiseBackpropFilter, replaces: false },
  { name: 'DepthwiseConv2dNativeBackpropInput', make: depthwiseBackpropInput, replaces: false },
] as const;

const registeredIn = new WeakSet<object>();

/**
 * Registers the convolution gradients above for the 'wasm' backend of this `tf` (idempotent).
 * Call once the wasm backend package is loaded — `loadEngine` does, after activating wasm.
 * Returns the kernel names now served by these implementations.
 */
export function registerWasmTrainingKernels(tf: Tf): string[] {
  if (!tf.findBackendFactory('wasm')) {
    throw new WasmKernelError("the wasm backend is not registered in this TensorFlow.js: load '@tensorflow/tfjs-backend-wasm' first");
  }
  const names = WASM_TRAINING_KERNELS.map((k) => k.name);
  if (registeredIn.has(tf)) return names;
  for (const k of WASM_TRAINING_KERNELS) {
    // Unregister first: registering over an existing kernel logs a warning on every load.
    if (tf.getKernel(k.name, 'wasm')) tf.unregisterKernel(k.name, 'wasm');
    tf.registerKernel({ kernelName: k.name, backendName: 'wasm', kernelFunc: k.make(tf) as unknown as tfc.KernelFunc });
  }
  registeredIn.add(tf);
  return names;
}
