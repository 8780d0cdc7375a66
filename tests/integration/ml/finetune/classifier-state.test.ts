/**
 * Classifier checkpoints: save → load into freshly built parts restores every parameter, ResNet
 * BatchNorm buffer and counter, and the AdamW moments and steps bit for bit; mismatched models
 * and files of another format are refused with ClassifierStateError.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Tensor, Variable } from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEngine, type Tf } from '../../../../src-main/ml/engine/index.js';
import { CLASSIFIER_FORMAT, ClassifierStateError, loadClassifierState, saveClassifierState } from '../../../../src-main/ml/finetune/classifier-state.js';
import { LinearHead } from '../../../../src-main/ml/finetune/linear-head.js';
import { classifierVariables } from '../../../../src-main/ml/finetune/train-network.js';
import type { Backbone } from '../../../../src-main/ml/models/backbone.js';
import { resnetConfig } from '../../../../src-main/ml/models/resnet-init.js';
import { ResNet } from '../../../../src-main/ml/models/resnet.js';
import { customViTConfig } from '../../../../src-main/ml/models/vit-config.js';
import { ViT } from '../../../../src-main/ml/models/vit.js';
import { AdamW } from '../../../../src-main/ml/optim/adamw.js';
import { writeSafetensors } from '../../../../src-main/ml/weights/safetensors.js';
import { makeTempDir } from '../../../fixtures/temp-dir.js';

let tf: Tf;
let temp: ReturnType<typeof makeTempDir>;
beforeAll(async () => {
  tf = (await loadEngine({ only: ['cpu'], env: {} })).tf;
  temp = makeTempDir('octdino-classifier-');
});
afterAll(() => temp?.cleanup());

const vit = (seed: number, embedDim = 16): ViT => new ViT(tf, customViTConfig({ embedDim, depth: 2, numHeads: 2, patchSize: 8, seed }));
const resnet = (seed: number): ResNet => new ResNet(tf, resnetConfig({ widths: [4, 4, 8, 8], seed, batchStats: 'training' }));
const values = (vars: ReadonlyMap<string, Variable>): Map<string, number[]> => new Map([...vars].map(([k, v]) => [k, Array.from(v.dataSync())]));

/** A few optimizer steps on a real loss, so that weights, moments, steps and BN statistics are all non-trivial. */
async function train(backbone: Backbone, head: LinearHead, opt: AdamW, steps: number): Promise<void> {
  const vars = classifierVariables(backbone, head);
  const byTf = new Map([...vars].map(([n, v]) => [v.name, n]));
  for (let step = 0; step < steps; step++) {
    const x = tf.randomNormal([2, 32, 32, 1], 0, 1, 'float32', step + 1) as unknown as Parameters<Backbone['apply']>[0];
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(head.apply(backbone.apply(x, { training: true, dropPathSeed: step })))), [...vars.values()]);
    const named = new Map<string, Tensor>(Object.entries(grads).map(([k, g]) => [byTf.get(k)!, g]));
    opt.step(named, { lr: 0.01, weightDecay: 0.05 });
    tf.dispose([x, value, ...named.values()]);
  }
}

describe('classifier state round trip', () => {
  it('ViT + head + AdamW: exact after load into freshly built parts', async () => {
    const [b1, h1] = [vit(1), new LinearHead(tf, 16, 3, 1)];
    const o1 = new AdamW(tf, classifierVariables(b1, h1));
    await train(b1, h1, o1, 2);
    const file = path.join(temp.dir, 'vit', 'state.safetensors');
    const bytes = await saveClassifierState({ backbone: b1, head: h1, optimizer: o1 }, file, { position: '{"epoch":2}' });
    expect(bytes).toBeGreaterThan(0);
    expect(readdirSync(path.dirname(file))).toEqual(['state.safetensors']); // no temporary file left

    const [b2, h2] = [vit(2), new LinearHead(tf, 16, 3, 2)];
    const o2 = new AdamW(tf, classifierVariables(b2, h2));
    expect(values(b2.variables)).not.toEqual(values(b1.variables));
    const meta = await loadClassifierState(tf, { backbone: b2, head: h2, optimizer: o2 }, file);
    expect(meta).toMatchObject({ format: CLASSIFIER_FORMAT, position: '{"epoch":2}' });
    expect(values(b2.variables)).toEqual(values(b1.variables));
    expect(values(h2.variables)).toEqual(values(h1.variables));
    expect(await o2.state()).toEqual(await o1.state());
    expect(o2.stepOf('backbone.blocks.0.attn.qkv.weight')).toBe(2);
    // And the restored optimizer continues exactly as the original.
    await train(b1, h1, o1, 1);
    await train(b2, h2, o2, 1);
    expect(values(b2.variables)).toEqual(values(b1.variables));
    for (const d of [b1, h1, o1, b2, h2, o2]) d.dispose();
  });

  it('ResNet: parameters, BatchNorm running statistics and batch counters', async () => {
    const [b1, h1] = [resnet(1), new LinearHead(tf, 8, 2, 1)];
    const o1 = new AdamW(tf, classifierVariables(b1, h1));
    await train(b1, h1, o1, 2);
    expect([...b1.batchesTracked.values()].every((n) => n === 2)).toBe(true);
    const file = path.join(temp.dir, 'resnet.safetensors');
    await saveClassifierState({ backbone: b1, head: h1, optimizer: o1 }, file, {});

    const [b2, h2] = [resnet(2), new LinearHead(tf, 8, 2, 2)];
    const o2 = new AdamW(tf, classifierVariables(b2, h2));
    expect(values(b2.buffers)).not.toEqual(values(b1.buffers));
    await loadClassifierState(tf, { backbone: b2, head: h2, optimizer: o2 }, file);
    expect(values(b2.variables)).toEqual(values(b1.variables));
    expect(values(b2.buffers)).toEqual(values(b1.buffers));
    expect(b2.batchesTracked).toEqual(b1.batchesTracked);
    expect(values(h2.variables)).toEqual(values(h1.variables));
    expect(await o2.state()).toEqual(await o1.state());
    // Evaluation-mode outputs (which use the running statistics) agree.
    const x = tf.randomNormal([2, 32, 32, 1], 0, 1, 'float32', 9) as unknown as Parameters<Backbone['apply']>[0];
    const y1 = b1.apply(x, { training: false });
    const y2 = b2.apply(x, { training: false });
    expect(Array.from(y2.dataSync())).toEqual(Array.from(y1.dataSync()));
    for (const d of [b1, h1, o1, b2, h2, o2, x, y1, y2]) d.dispose();
  });

  it('backbone + head without an optimizer (the best-model file)', async () => {
    const [b1, h1] = [vit(3), new LinearHead(tf, 16, 2, 3)];
    const file = path.join(temp.dir, 'best.safetensors');
    await saveClassifierState({ backbone: b1, head: h1 }, file, { epoch: '4' });
    const [b2, h2] = [vit(4), new LinearHead(tf, 16, 2, 4)];
    expect((await loadClassifierState(tf, { backbone: b2, head: h2 }, file)).epoch).toBe('4');
    expect(values(b2.variables)).toEqual(values(b1.variables));
    expect(values(h2.variables)).toEqual(values(h1.variables));
    for (const d of [b1, h1, b2, h2]) d.dispose();
  });
});

describe('classifier state refusals', () => {
  it('a model of other shapes is a ClassifierStateError that names the tensor', async () => {
    const [b1, h1] = [vit(1), new LinearHead(tf, 16, 3, 1)];
    const file = path.join(temp.dir, 'shapes.safetensors');
    await saveClassifierState({ backbone: b1, head: h1 }, file, {});
    const wide = vit(1, 32);
    const wideHead = new LinearHead(tf, 32, 3, 1);
    await expect(loadClassifierState(tf, { backbone: wide, head: wideHead }, file)).rejects.toThrow(ClassifierStateError);
    await expect(loadClassifierState(tf, { backbone: wide, head: wideHead }, file)).rejects.toThrow(/does not match this model: backbone\.cls_token is \[1, 1, 16\], expected \[1, 1, 32\]/);
    const [same, moreLabels] = [vit(1), new LinearHead(tf, 16, 5, 1)];
    await expect(loadClassifierState(tf, { backbone: same, head: moreLabels }, file)).rejects.toThrow(/head\.weight is \[3, 16\], expected \[5, 16\]/);
    // A ViT file into a ResNet: its parameters are missing.
    const [r, rHead] = [resnet(1), new LinearHead(tf, 8, 3, 1)];
    await expect(loadClassifierState(tf, { backbone: r, head: rHead }, file)).rejects.toThrow(/backbone\.conv1\.weight is missing/);
    for (const d of [b1, h1, wide, wideHead, same, moreLabels, r, rHead]) d.dispose();
  });

  it('a safetensors file of another format is refused', async () => {
    const head = new LinearHead(tf, 4, 2, 1);
    const other = path.join(temp.dir, 'teacher.safetensors');
    writeFileSync(other, writeSafetensors([['head.weight', { shape: [2, 4], data: new Float32Array(8) }], ['head.bias', { shape: [2], data: new Float32Array(2) }]], { format: 'pt' }));
    await expect(loadClassifierState(tf, { backbone: null, head }, other)).rejects.toThrow(ClassifierStateError);
    await expect(loadClassifierState(tf, { backbone: null, head }, other)).rejects.toThrow(/is not a classifier checkpoint \(format "pt"\)/);
    const bare = path.join(temp.dir, 'bare.safetensors');
    writeFileSync(bare, writeSafetensors([['head.bias', { shape: [2], data: new Float32Array(2) }]], {}));
    await expect(loadClassifierState(tf, { backbone: null, head }, bare)).rejects.toThrow(/format "none"/);
    head.dispose();
  });
});
