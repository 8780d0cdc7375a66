import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadEngine, type Tf } from '../../../../src-main/ml/engine/index.js';
import { ViT } from '../../../../src-main/ml/models/vit.js';
import { customViTConfig, type ViTConfig } from '../../../../src-main/ml/models/vit-config.js';
import { readSafetensors, type SafetensorsTensor } from '../../../../src-main/ml/weights/safetensors.js';
import { exportViTWeights, loadViTWeights, ViTWeightsError } from '../../../../src-main/ml/weights/vit-weights.js';
import type * as tfc from '@tensorflow/tfjs';

const tiny = (over: Partial<ViTConfig> = {}): ViTConfig =>
  customViTConfig({ embedDim: 32, depth: 2, numHeads: 2, patchSize: 8, imgSize: 32, ...over });

let tf: Tf;
const models: ViT[] = [];
const make = (c: ViTConfig): ViT => {
  const m = new ViT(tf, c);
  models.push(m);
  return m;
};

beforeAll(async () => {
  ({ tf } = await loadEngine({ only: ['wasm'], env: {} }));
});
afterEach(() => models.splice(0).forEach((m) => m.dispose()));

function withPrefix(tensors: ReadonlyMap<string, SafetensorsTensor>, prefix: string): Map<string, SafetensorsTensor> {
  return new Map([...tensors].map(([k, v]) => [prefix + k, v]));
}

describe('ViT weights', () => {
  it('export → load into a fresh ViT is bit-identical, with reference names and metadata', () => {
    const a = make(tiny({ seed: 1 }));
    const file = readSafetensors(exportViTWeights(a));
    expect(file.metadata).toMatchObject({ arch: 'custom', patch_size: '8', in_chans: '1', app: 'OCT DINO Studio' });
    expect(file.tensors.get('patch_embed.proj.weight')!.shape).toEqual([32, 1, 8, 8]);
    expect(file.tensors.get('blocks.1.attn.qkv.weight')!.shape).toEqual([96, 32]);
    const b = make(tiny({ seed: 2 }));
    const report = loadViTWeights(b, file.tensors);
    expect(report).toMatchObject({ prefix: '', adapted: [], ignored: [] });
    expect(report.loaded.length).toBe(a.variables.size);
    for (const [name, v] of a.variables) {
      expect(Array.from(b.variables.get(name)!.dataSync()), name).toEqual(Array.from(v.dataSync()));
    }
  });

  it('detects DINO checkpoint prefixes and ignores head tensors, reporting them', () => {
    const a = make(tiny());
    const { tensors } = readSafetensors(exportViTWeights(a));
    const head: SafetensorsTensor = { dtype: 'F32', shape: [2], data: new Float32Array(2) };
    for (const prefix of ['module.backbone.', 'backbone.'] as const) {
      const file = withPrefix(tensors, prefix);
      file.set(prefix.replace('backbone.', 'head.last_layer.weight_g'), head);
      const report = loadViTWeights(make(tiny({ seed: 5 })), file);
      expect(report.prefix).toBe(prefix);
      expect(report.ignored).toEqual([prefix.replace('backbone.', 'head.last_layer.weight_g')]);
    }
  });

  it('lists missing, unknown and mismatched parameters, and changes nothing', () => {
    const a = make(tiny());
    const tensors = new Map(readSafetensors(exportViTWeights(a)).tensors);
    tensors.delete('blocks.1.mlp.fc2.bias');
    tensors.set('blocks.2.norm1.weight', { dtype: 'F32', shape: [32], data: new Float32Array(32) });
    tensors.set('norm.bias', { dtype: 'F32', shape: [16], data: new Float32Array(16) });
    const b = make(tiny({ seed: 9 }));
    const before = Array.from(b.variables.get('cls_token')!.dataSync());
    let err: unknown;
    try {
      loadViTWeights(b, tensors);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ViTWeightsError);
    const e = err as ViTWeightsError;
    expect(e.missing).toEqual(['blocks.1.mlp.fc2.bias']);
    expect(e.unexpected).toEqual(['blocks.2.norm1.weight']);
    expect(e.mismatched).toEqual(['norm.bias: file [16], model [32]']);
    expect(e.message).toMatch(/missing: blocks\.1\.mlp\.fc2\.bias/);
    expect(Array.from(b.variables.get('cls_token')!.dataSync())).toEqual(before);
    expect(() => loadViTWeights(b, new Map())).toThrow(/no ViT backbone/);
  });

  it('folds 3-channel patch weights into 1 channel: exact for grey input replicated to RGB', () => {
    const rgb = make(tiny({ inChans: 3, seed: 4 }));
    const grey = make(tiny({ seed: 6 }));
    const report = loadViTWeights(grey, readSafetensors(exportViTWeights(rgb)).tensors);
    expect(report.adapted).toEqual([
      'patch_embed.proj.weight: 3 input channels summed into 1 (exact for grey images replicated to 3 channels)',
    ]);
    const g = tf.randomUniform([2, 32, 32, 1], 0, 1, 'float32', 3) as tfc.Tensor4D;
    const g3 = tf.tile(g, [1, 1, 1, 3]) as tfc.Tensor4D;
    const want = rgb.apply(g3, { training: false });
    const got = grey.apply(g, { training: false });
    expect(tf.max(tf.abs(tf.sub(want, got))).dataSync()[0]).toBeLessThan(1e-5);
    tf.dispose([g, g3, want, got]);
  });

  it('resamples pos_embed from another grid and says so', () => {
    const big = make(tiny({ imgSize: 48 })); // 6x6 grid
    const small = make(tiny({ seed: 8 })); // 4x4 grid
    const report = loadViTWeights(small, readSafetensors(exportViTWeights(big)).tensors);
    expect(report.adapted).toEqual(['pos_embed: 6x6 patch grid resampled to 4x4 (bicubic)']);
    expect(small.variables.get('pos_embed')!.shape).toEqual([1, 17, 32]);
    // The [CLS] position is copied, not resampled.
    expect(Array.from(small.variables.get('pos_embed')!.dataSync().subarray(0, 32))).toEqual(
      Array.from(big.variables.get('pos_embed')!.dataSync().subarray(0, 32)),
    );
  });
});
