/**
 * Initial parameters as the reference `VisionTransformer.__init__`: truncated normal
 * (std 0.02, cut at ±2 absolute, timm's `trunc_normal_`) for every linear weight, `pos_embed`
 * and `cls_token`, zero linear biases, LayerNorm weight 1 and bias 0, and PyTorch's default
 * for the patch convolution. Each parameter draws from its own stream forked by name, so its
 * values do not depend on the order parameters are created in.
 */
import { createRng, type Rng } from '../../random/rng.js';

export interface ParamSpec {
  name: string;
  shape: number[];
  init: 'trunc_normal' | 'zeros' | 'ones' | 'conv_default';
  /** For `conv_default`: the layer's fan-in (C·p·p). */
  fanIn?: number;
}

function truncNormal(rng: Rng, n: number, std: number, lo = -2, hi = 2): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v: number;
    do v = rng.normal(0, std);
    while (v < lo || v > hi);
    out[i] = v;
  }
  return out;
}

export function initialValues(spec: ParamSpec, seed: number): Float32Array {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  if (spec.init === 'zeros') return new Float32Array(n);
  if (spec.init === 'ones') return new Float32Array(n).fill(1);
  const rng = createRng(seed).fork(spec.name);
  if (spec.init === 'conv_default') {
    // PyTorch's Conv2d.reset_parameters: kaiming_uniform_(a=√5) for the weight and the bias
    // both come to U(−1/√fan_in, 1/√fan_in).
    const bound = 1 / Math.sqrt(spec.fanIn ?? 1);
    return Float32Array.from({ length: n }, () => rng.range(-bound, bound));
  }
  return truncNormal(rng, n, 0.02);
}

/** Every parameter of the reference ViT with its shape and initialiser, in the reference's order. */
export function vitParamSpecs(c: {
  embedDim: number;
  depth: number;
  patchSize: number;
  inChans: number;
  imgSize: number;
  mlpRatio: number;
}): ParamSpec[] {
  const d = c.embedDim;
  const hidden = Math.floor(d * c.mlpRatio);
  const numPatches = (c.imgSize / c.patchSize) ** 2;
  const fanIn = c.inChans * c.patchSize * c.patchSize;
  const specs: ParamSpec[] = [
    { name: 'cls_token', shape: [1, 1, d], init: 'trunc_normal' },
    { name: 'pos_embed', shape: [1, numPatches + 1, d], init: 'trunc_normal' },
    // The reference's _init_weights touches only Linear and LayerNorm: the patch projection is
    // a Conv2d and keeps PyTorch's default initialisation.
    { name: 'patch_embed.proj.weight', shape: [d, c.inChans, c.patchSize, c.patchSize], init: 'conv_default', fanIn },
    { name: 'patch_embed.proj.bias', shape: [d], init: 'conv_default', fanIn },
  ];
  for (let i = 0; i < c.depth; i++) {
    const p = `blocks.${i}`;
    specs.push(
      { name: `${p}.norm1.weight`, shape: [d], init: 'ones' },
      { name: `${p}.norm1.bias`, shape: [d], init: 'zeros' },
      { name: `${p}.attn.qkv.weight`, shape: [3 * d, d], init: 'trunc_normal' },
      { name: `${p}.attn.qkv.bias`, shape: [3 * d], init: 'zeros' },
      { name: `${p}.attn.proj.weight`, shape: [d, d], init: 'trunc_normal' },
      { name: `${p}.attn.proj.bias`, shape: [d], init: 'zeros' },
      { name: `${p}.norm2.weight`, shape: [d], init: 'ones' },
      { name: `${p}.norm2.bias`, shape: [d], init: 'zeros' },
      { name: `${p}.mlp.fc1.weight`, shape: [hidden, d], init: 'trunc_normal' },
      { name: `${p}.mlp.fc1.bias`, shape: [hidden], init: 'zeros' },
      { name: `${p}.mlp.fc2.weight`, shape: [d, hidden], init: 'trunc_normal' },
      { name: `${p}.mlp.fc2.bias`, shape: [d], init: 'zeros' },
    );
  }
  specs.push({ name: 'norm.weight', shape: [d], init: 'ones' }, { name: 'norm.bias', shape: [d], init: 'zeros' });
  return specs;
}
