/**
 * ResNet-18's configuration, its parameters and buffers under torchvision's names and
 * shapes, and torchvision's initialisation: convolutions `kaiming_normal_(mode='fan_out',
 * nonlinearity='relu')` (normal, std √(2 / (out·kh·kw))), BatchNorm weight 1 and bias 0,
 * running mean 0 and variance 1. Each tensor draws from its own stream forked by name.
 */
import { createRng } from '../../random/rng.js';

export type ResNetWidths = readonly [number, number, number, number];

export interface ResNetConfig {
  readonly arch: 'resnet18';
  /** Channels of layer1..layer4 (torchvision: 64, 128, 256, 512); the stem has widths[0]. */
  readonly widths: ResNetWidths;
  /** BasicBlocks per layer (ResNet-18: 2, 2, 2, 2). */
  readonly blocks: readonly [number, number, number, number];
  /** Input channels; 1 for OCT (3-channel weights are folded on load). */
  readonly inChans: number;
  readonly bnEps: number;
  /** PyTorch's BN momentum (weight of the new batch in the running statistics). */
  readonly bnMomentum: number;
  /**
   * When BN uses batch statistics: 'training' (PyTorch's train/eval modes, from `apply`'s
   * `training`), or 'always' (a module left in train mode, as DINO's teacher is: it normalises
   * with batch statistics and updates its own running statistics even in no-grad forwards).
   */
  readonly batchStats: 'training' | 'always';
  readonly seed: number;
}

export class ResNetConfigError extends Error {
  override readonly name = 'ResNetConfigError';
}

export const RESNET18_WIDTHS: ResNetWidths = [64, 128, 256, 512];

/** ResNet-18 as torchvision builds it, with 1 input channel; `over` for tests (narrower widths). */
export function resnetConfig(over: Partial<Omit<ResNetConfig, 'arch'>> = {}): ResNetConfig {
  const c: ResNetConfig = {
    arch: 'resnet18',
    widths: RESNET18_WIDTHS,
    blocks: [2, 2, 2, 2],
    inChans: 1,
    bnEps: 1e-5,
    bnMomentum: 0.1,
    batchStats: 'training',
    seed: 0,
    ...over,
  };
  const bad = [...c.widths, ...c.blocks, c.inChans].find((n) => !Number.isInteger(n) || n < 1);
  if (bad !== undefined) throw new ResNetConfigError(`ResNet widths, blocks and inChans must be positive integers, got ${bad}`);
  if (!(c.bnMomentum >= 0 && c.bnMomentum <= 1)) throw new ResNetConfigError(`bnMomentum must be in [0, 1], got ${c.bnMomentum}`);
  return Object.freeze({ ...c, widths: Object.freeze([...c.widths]) as ResNetWidths, blocks: Object.freeze([...c.blocks]) as ResNetConfig['blocks'] });
}

export interface ResNetTensorSpec {
  name: string;
  shape: number[];
  /** Trainable parameter, or a BN running-statistics buffer. */
  kind: 'param' | 'buffer';
  init: 'kaiming_fan_out' | 'zeros' | 'ones';
}

/** Names of the BN layers (`bn1`, `layer1.0.bn1`, `layer2.0.downsample.1`, …), in torchvision's order. */
export function batchNormNames(c: ResNetConfig): string[] {
  return resnetTensorSpecs(c)
    .filter((s) => s.name.endsWith('.running_mean'))
    .map((s) => s.name.slice(0, -'.running_mean'.length));
}

/** Every parameter and buffer in torchvision's `state_dict` order (without num_batches_tracked and fc). */
export function resnetTensorSpecs(c: ResNetConfig): ResNetTensorSpec[] {
  const specs: ResNetTensorSpec[] = [];
  const conv = (name: string, out: number, inp: number, k: number): void => {
    specs.push({ name: `${name}.weight`, shape: [out, inp, k, k], kind: 'param', init: 'kaiming_fan_out' });
  };
  const bn = (name: string, ch: number): void => {
    specs.push(
      { name: `${name}.weight`, shape: [ch], kind: 'param', init: 'ones' },
      { name: `${name}.bias`, shape: [ch], kind: 'param', init: 'zeros' },
      { name: `${name}.running_mean`, shape: [ch], kind: 'buffer', init: 'zeros' },
      { name: `${name}.running_var`, shape: [ch], kind: 'buffer', init: 'ones' },
    );
  };
  conv('conv1', c.widths[0], c.inChans, 7);
  bn('bn1', c.widths[0]);
  let inplanes = c.widths[0];
  c.widths.forEach((planes, li) => {
    for (let bi = 0; bi < c.blocks[li]!; bi++) {
      const p = `layer${li + 1}.${bi}`;
      const stride = li > 0 && bi === 0 ? 2 : 1;
      conv(`${p}.conv1`, planes, inplanes, 3);
      bn(`${p}.bn1`, planes);
      conv(`${p}.conv2`, planes, planes, 3);
      bn(`${p}.bn2`, planes);
      if (stride !== 1 || inplanes !== planes) {
        conv(`${p}.downsample.0`, planes, inplanes, 1);
        bn(`${p}.downsample.1`, planes);
      }
      inplanes = planes;
    }
  });
  return specs;
}

export function resnetInitialValues(spec: ResNetTensorSpec, seed: number): Float32Array {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  if (spec.init === 'zeros') return new Float32Array(n);
  if (spec.init === 'ones') return new Float32Array(n).fill(1);
  const [out, , kh, kw] = spec.shape as [number, number, number, number];
  const std = Math.sqrt(2 / (out * kh * kw));
  const rng = createRng(seed).fork(spec.name);
  return Float32Array.from({ length: n }, () => rng.normal(0, std));
}
