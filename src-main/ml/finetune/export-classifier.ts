/**
 * A trained classifier as a TensorFlow.js model folder: `model.json` + `weights.bin` in the
 * tfjs weights format (`tf.io.encodeWeights`; any tfjs program reads them with
 * `tf.io.decodeWeights`), with the architecture, labels, decision thresholds and input
 * preprocessing in the JSON. The network is our ViT/ResNet code, not a Keras layer graph, so
 * `tf.loadLayersModel` cannot rebuild it by itself: `octdino` (or code with the same model
 * definition) does, and the weights keep the reference (PyTorch) parameter names, so the same
 * numbers load in PyTorch too. The backbone alone also goes out as safetensors.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Tensor } from '@tensorflow/tfjs';
import { APP_VERSION } from '../../app/version.js';
import type { Tf } from '../engine/index.js';
import { OCT_MEAN, OCT_STD } from '../augment/photometric.js';
import { readSafetensors } from '../weights/safetensors.js';
import { CLASSIFIER_FORMAT } from './classifier-state.js';
import type { ArmRunConfig } from './arm-job.js';

export const TFJS_CLASSIFIER_FORMAT = 'octdino-classifier-tfjs/1';

export interface ClassifierExport {
  modelJson: string;
  weightsBin: string;
  tensors: number;
}

export async function exportClassifierFolder(
  tf: Tf,
  opts: { classifierFile: string; outDir: string; config: ArmRunConfig; task: 'multi_label' | 'single_label'; labels: string[]; thresholds: number[] | null; runId: number },
): Promise<ClassifierExport> {
  const { tensors, metadata } = readSafetensors(await readFile(opts.classifierFile));
  if (metadata.format !== CLASSIFIER_FORMAT) throw new Error(`${opts.classifierFile} is not a classifier file`);
  const named: { name: string; tensor: Tensor }[] = [];
  try {
    for (const [name, t] of tensors) {
      if (name.startsWith('optimizer.')) continue;
      named.push({ name, tensor: tf.tensor(t.data as Float32Array, t.shape, 'float32') });
    }
    const { data, specs } = await tf.io.encodeWeights(named);
    await mkdir(opts.outDir, { recursive: true });
    const weightsBin = path.join(opts.outDir, 'weights.bin');
    await writeFile(weightsBin, new Uint8Array(data));
    const modelJson = path.join(opts.outDir, 'model.json');
    const model = {
      format: TFJS_CLASSIFIER_FORMAT,
      generatedBy: `OCT DINO Studio ${APP_VERSION}`,
      convertedBy: null,
      modelTopology: {
        backbone: opts.config.backbone,
        head: { type: 'linear', inputs: 'backbone features (ViT: [CLS] after the final norm; ResNet: global average pool)', outputs: opts.labels.length },
        output: opts.task === 'multi_label' ? 'sigmoid per label' : 'softmax over classes',
      },
      weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
      userDefinedMetadata: {
        run: opts.runId,
        arm: opts.config.arm,
        task: opts.task,
        labels: opts.labels,
        thresholds: opts.thresholds,
        input: { size: opts.config.settings.inputSize, channels: 1, scale: '1/255', mean: OCT_MEAN, std: OCT_STD, resize: 'bilinear, whole B-scan' },
        batchesTracked: metadata.batchesTracked ?? null,
      },
    };
    await writeFile(modelJson, `${JSON.stringify(model, null, 2)}\n`);
    return { modelJson, weightsBin, tensors: named.length };
  } finally {
    tf.dispose(named.map((n) => n.tensor));
  }
}
