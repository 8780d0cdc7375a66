/**
 * ViT weights in and out, under the reference implementation's parameter names, so that a
 * DINO checkpoint trained in PyTorch (facebookresearch/dino) loads here and ours load there.
 *
 * On load, what cannot be copied as is gets adapted, and the report says so:
 * - 3-channel patch kernels are summed over channels into our 1-channel kernel. That is exact
 *   for grey images, which the RGB model would see as the grey value in all three channels:
 *   Σ_c w_c · g = (Σ_c w_c) · g.
 * - pos_embed learned for another grid is resampled bicubically (PyTorch's
 *   `F.interpolate(size=…, mode='bicubic', align_corners=False)`, as timm does on load).
 * Anything else that does not match (a missing or unknown parameter, another shape) is an
 * error that lists every offender; classification or DINO head tensors are ignored and listed.
 */
import { bicubicGridMatrix } from '../models/pos-embed.js';
import type { ViT } from '../models/vit.js';
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
export const VIT_PREFIXES = ['module.backbone.', 'backbone.', 'module.', ''] as const;

export interface LoadViTWeightsOptions {
  /** Prefix of the backbone's tensors in the file; detected from `cls_token` when omitted. */
  prefix?: string;
}

export type ViTLoadReport = BackboneLoadReport;

export class ViTWeightsError extends BackboneWeightsError {
  override readonly name = 'ViTWeightsError';
}

/** Head tensors (DINO projection head, a classifier): not part of the backbone. */
const isHeadKey = (key: string): boolean => /(^|\.)head\./.test(key) || key === 'head' || /(^|\.)head$/.test(key);

function detectPrefix(keys: ReadonlySet<string>): string {
  const found = findPrefix(keys, VIT_PREFIXES, ['cls_token']);
  if (found === undefined) {
    throw new ViTWeightsError(
      `no ViT backbone in these weights: no 'cls_token' under any of the prefixes ${VIT_PREFIXES.map((p) => `'${p}'`).join(', ')}`,
    );
  }
  return found;
}

/** Resamples pos_embed [1, 1 + s·s, D] to [1, 1 + t·t, D]; the [CLS] position is kept. */
function resamplePosEmbed(data: Float32Array, from: number, to: number, dim: number): Float32Array {
  const { matrix } = bicubicGridMatrix(from, from, to, to);
  const inRows = from * from;
  const out = new Float32Array((1 + to * to) * dim);
  out.set(data.subarray(0, dim));
  for (let o = 0; o < to * to; o++)
    for (let i = 0; i < inRows; i++) {
      const w = matrix[o * inRows + i]!;
      if (w === 0) continue;
      for (let k = 0; k < dim; k++) out[(1 + o) * dim + k]! += w * data[(1 + i) * dim + k]!;
    }
  return out;
}

/**
 * Copies reference-named tensors into `vit`'s variables (all or nothing: every problem is
 * found before any variable is touched). Returns what was loaded, adapted and ignored.
 */
export function loadViTWeights(
  vit: ViT,
  tensors: ReadonlyMap<string, SafetensorsTensor>,
  options: LoadViTWeightsOptions = {},
): ViTLoadReport {
  const keys = new Set(tensors.keys());
  const prefix = options.prefix ?? detectPrefix(keys);
  const report: ViTLoadReport = { prefix, loaded: [], adapted: [], ignored: [] };
  const missing: string[] = [];
  const mismatched: string[] = [];
  const values = new Map<string, Float32Array>();
  const { config } = vit;

  for (const [name, variable] of vit.variables) {
    const t = tensors.get(prefix + name);
    if (t === undefined) {
      missing.push(prefix + name);
      continue;
    }
    const want = variable.shape;
    const data = floatData(prefix + name, t, (message) => new ViTWeightsError(message));
    if (sameShape(t.shape, want)) {
      values.set(name, data);
    } else if (name === 'patch_embed.proj.weight' && foldsToOneChannel(t.shape, want)) {
      values.set(name, foldChannels(data, t.shape));
      report.adapted.push(`${name}: ${t.shape[1]} input channels summed into 1 (exact for grey images replicated to ${t.shape[1]} channels)`);
    } else if (name === 'pos_embed' && t.shape.length === 3 && t.shape[0] === 1 && t.shape[2] === want[2] && Number.isInteger(Math.sqrt(t.shape[1]! - 1))) {
      const from = Math.sqrt(t.shape[1]! - 1);
      const to = config.imgSize / config.patchSize;
      values.set(name, resamplePosEmbed(data, from, to, config.embedDim));
      report.adapted.push(`${name}: ${from}x${from} patch grid resampled to ${to}x${to} (bicubic)`);
    } else {
      mismatched.push(`${prefix + name}: file ${shapeText(t.shape)}, model ${shapeText(want)}`);
    }
  }
  const unexpected: string[] = [];
  for (const key of keys) {
    const ours = key.startsWith(prefix) ? key.slice(prefix.length) : null;
    if (ours !== null && vit.variables.has(ours)) continue;
    if (isHeadKey(ours ?? key)) report.ignored.push(key);
    else unexpected.push(key);
  }
  const problems = describeProblems(missing, unexpected, mismatched);
  if (problems !== null) {
    throw new ViTWeightsError(
      `weights do not fit ${vit.name} (embed ${config.embedDim}, depth ${config.depth}, prefix '${prefix}'): ${problems}`,
      missing,
      unexpected,
      mismatched,
    );
  }
  for (const [name, data] of values) {
    vit.assignParameter(name, data);
    report.loaded.push(name);
  }
  return report;
}

/** The ViT's parameters as a safetensors file with reference names and shapes, no prefix. */
export function exportViTWeights(vit: ViT, extraMetadata: Record<string, string> = {}): Uint8Array {
  const { config } = vit;
  const entries: Array<[string, WritableTensor]> = [...vit.variables].map(([name, v]) => [
    name,
    { shape: v.shape, data: v.dataSync() as Float32Array },
  ]);
  return writeSafetensors(entries, {
    format: 'pt',
    app: 'OCT DINO Studio',
    arch: config.arch,
    patch_size: String(config.patchSize),
    img_size: String(config.imgSize),
    in_chans: String(config.inChans),
    embed_dim: String(config.embedDim),
    depth: String(config.depth),
    num_heads: String(config.numHeads),
    ...extraMetadata,
  });
}
