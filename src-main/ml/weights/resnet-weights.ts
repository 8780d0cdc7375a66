/**
 * ResNet weights in and out under torchvision's names (`conv1.weight`, `layer2.0.downsample.1.
 * running_var`, …), so that an ImageNet or DINO ResNet-18 trained in PyTorch loads here and
 * ours load there (`model.load_state_dict`, strict).
 *
 * On load:
 * - a 3-channel `conv1.weight` is summed over channels into our 1-channel kernel; exact for grey
 *   images, which the RGB model would see as the grey value in all three channels;
 * - `fc.*` (the classifier DINO replaces by identity) and DINO head tensors are ignored, and listed;
 * - `*.num_batches_tracked` is read when present (it only matters for BN momentum `None`).
 * Anything else that does not match (a missing or unknown tensor, another shape) is an error that
 * lists every offender; nothing is assigned unless everything fits.
 */
import type { ResNet } from '../models/resnet.js';
import {
  BackboneWeightsError,
  describeProblems,
  findPrefix,
  floatData,
  foldChannels,
  foldsToOneChannel,
  sameShape,
  shapeText,
  type BackboneLoadReport,
} from './backbone-weights.js';
import { writeSafetensors, type SafetensorsTensor, type WritableTensor } from './safetensors.js';

/** Prefixes tried in order when none is given: DINO student (DDP), teacher, plain backbone. */
export const RESNET_PREFIXES = ['module.backbone.', 'backbone.', 'module.', ''] as const;

export interface LoadResNetWeightsOptions {
  /** Prefix of the backbone's tensors in the file; detected from `conv1.weight` when omitted. */
  prefix?: string;
}

export type ResNetLoadReport = BackboneLoadReport;

export class ResNetWeightsError extends BackboneWeightsError {
  override readonly name = 'ResNetWeightsError';
}

const TRACKED = '.num_batches_tracked';

/** The classifier and DINO head: not part of the backbone. */
const isIgnored = (key: string): boolean => /(^|\.)(fc|head)(\.|$)/.test(key);

function detectPrefix(keys: ReadonlySet<string>): string {
  const found = findPrefix(keys, RESNET_PREFIXES, ['conv1.weight', 'layer1.0.conv1.weight']);
  if (found === undefined) {
    throw new ResNetWeightsError(
      `no ResNet backbone in these weights: no 'conv1.weight' and 'layer1.0.conv1.weight' under any of the prefixes ${RESNET_PREFIXES.map((p) => `'${p}'`).join(', ')}`,
    );
  }
  return found;
}

/**
 * Copies torchvision-named tensors into `net`'s parameters and buffers (all or nothing).
 * Returns what was loaded, adapted and ignored.
 */
export function loadResNetWeights(
  net: ResNet,
  tensors: ReadonlyMap<string, SafetensorsTensor>,
  options: LoadResNetWeightsOptions = {},
): ResNetLoadReport {
  const keys = new Set(tensors.keys());
  const prefix = options.prefix ?? detectPrefix(keys);
  const report: ResNetLoadReport = { prefix, loaded: [], adapted: [], ignored: [] };
  const missing: string[] = [];
  const mismatched: string[] = [];
  const values = new Map<string, Float32Array>();
  const tracked = new Map<string, number>();
  const state = net.stateEntries();
  const ours = new Set(state.map(([name]) => name));

  for (const [name, variable] of state) {
    const t = tensors.get(prefix + name);
    if (t === undefined) {
      missing.push(prefix + name);
      continue;
    }
    const want = variable.shape;
    const data = floatData(prefix + name, t, (message) => new ResNetWeightsError(message));
    if (sameShape(t.shape, want)) {
      values.set(name, data);
    } else if (name === 'conv1.weight' && foldsToOneChannel(t.shape, want)) {
      values.set(name, foldChannels(data, t.shape));
      report.adapted.push(`${name}: ${t.shape[1]} input channels summed into 1 (exact for grey images replicated to ${t.shape[1]} channels)`);
    } else {
      mismatched.push(`${prefix + name}: file ${shapeText(t.shape)}, model ${shapeText(want)}`);
    }
  }
  const unexpected: string[] = [];
  for (const key of keys) {
    const name = key.startsWith(prefix) ? key.slice(prefix.length) : null;
    if (name !== null && ours.has(name)) continue;
    if (name !== null && name.endsWith(TRACKED) && net.batchesTracked.has(name.slice(0, -TRACKED.length))) {
      const t = tensors.get(key)!;
      tracked.set(name.slice(0, -TRACKED.length), Number(t.data[0] ?? 0));
      continue;
    }
    if (isIgnored(name ?? key)) report.ignored.push(key);
    else unexpected.push(key);
  }
  const problems = describeProblems(missing, unexpected, mismatched);
  if (problems !== null) throw new ResNetWeightsError(`weights do not fit ${net.name} (prefix '${prefix}'): ${problems}`, missing, unexpected, mismatched);
  for (const [name, data] of values) {
    net.assignTensor(name, data);
    report.loaded.push(name);
  }
  for (const [bn, n] of tracked) net.batchesTracked.set(bn, n);
  return report;
}

/**
 * The ResNet's state as a safetensors file in torchvision's `state_dict` order and names, no
 * prefix: parameters, running statistics and `num_batches_tracked` (I64), no `fc`.
 */
export function exportResNetWeights(net: ResNet, extraMetadata: Record<string, string> = {}): Uint8Array {
  const entries: Array<[string, WritableTensor]> = [];
  for (const [name, v] of net.stateEntries()) {
    entries.push([name, { shape: v.shape, data: v.dataSync() as Float32Array }]);
    if (name.endsWith('.running_var')) {
      const bn = name.slice(0, -'.running_var'.length);
      entries.push([`${bn}${TRACKED}`, { shape: [], data: BigInt64Array.of(BigInt(net.batchesTracked.get(bn) ?? 0)) }]);
    }
  }
  const { config } = net;
  return writeSafetensors(entries, {
    format: 'pt',
    app: 'OCT DINO Studio',
    arch: config.arch,
    widths: config.widths.join(','),
    in_chans: String(config.inChans),
    ...extraMetadata,
  });
}
