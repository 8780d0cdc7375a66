/**
 * The student and teacher networks of a DINO run and everything one training step needs,
 * built from the run's resolved config. The teacher starts as a copy of the student and is
 * never trained directly (an EMA of the student).
 */
import type { Tf } from '../engine/index.js';
import type { DinoConfig } from '../dino/config.js';
import type { DinoStepParts } from '../dino/dino-step.js';
import { DinoHead } from '../dino/head.js';
import { DinoLoss } from '../dino/loss.js';
import { CollapseMonitor } from '../dino/monitor.js';
import { networkVariables, type DinoNetwork } from '../dino/multi-crop-wrapper.js';
import { buildSchedules } from '../dino/schedules.js';
import { initTeacherFromStudent } from '../dino/teacher.js';
import { registerWasmTrainingKernels } from '../engine/wasm-kernels.js';
import { resnetConfig, type ResNetConfig, type ResNetWidths } from '../models/resnet-init.js';
import { ResNet } from '../models/resnet.js';
import { customViTConfig, vitConfig, type ViTConfig } from '../models/vit-config.js';
import { ViT } from '../models/vit.js';
import { AdamW } from '../optim/adamw.js';

export interface BackboneSpec {
  arch: 'vit_tiny' | 'vit_small' | 'vit_custom' | 'resnet18';
  /** ViT patch size; ignored by resnet18. */
  patch: number;
  custom?: { embedDim: number; depth: number; numHeads: number };
  /** resnet18 only: narrower layer widths for tests (torchvision: 64, 128, 256, 512). */
  widths?: ResNetWidths;
}

export type DinoBackbone = ViT | ResNet;

/**
 * The ResNet of a DINO network. The reference trains ResNets without drop-path, and leaves the
 * teacher in train mode: its BN layers normalise with batch statistics (and keep their own
 * running statistics) although it is called like an evaluation (`training: false`).
 */
export function resnetBackboneConfig(spec: BackboneSpec, role: 'student' | 'teacher', seed: number): ResNetConfig {
  return resnetConfig({ seed, batchStats: role === 'teacher' ? 'always' : 'training', ...(spec.widths ? { widths: spec.widths } : {}) });
}

export function backboneConfig(spec: BackboneSpec, dropPathRate: number, seed: number): ViTConfig {
  const common = { patchSize: spec.patch, dropPathRate, seed };
  if (spec.arch === 'resnet18') throw new Error('resnet18 is not a ViT: use resnetBackboneConfig');
  if (spec.arch === 'vit_custom') {
    if (!spec.custom) throw new Error('vit_custom needs custom: { embedDim, depth, numHeads }');
    return customViTConfig({ ...spec.custom, ...common });
  }
  return vitConfig(spec.arch, common);
}

export interface DinoModel {
  parts: DinoStepParts;
  student: DinoNetwork & { backbone: DinoBackbone };
  teacher: DinoNetwork & { backbone: DinoBackbone };
  dispose(): void;
}

export function buildDinoModel(tf: Tf, config: DinoConfig, backbone: BackboneSpec, seed: number, stepsPerEpoch: number, microBatch?: number): DinoModel {
  if (backbone.arch === 'resnet18' && tf.findBackendFactory('wasm')) {
    // wasm has no convolution filter gradient of its own (see engine/wasm-kernels.ts).
    registerWasmTrainingKernels(tf);
  }
  const make = (trainable: boolean, dropPath: number): DinoNetwork & { backbone: DinoBackbone } => {
    const net =
      backbone.arch === 'resnet18'
        ? new ResNet(tf, resnetBackboneConfig(backbone, trainable ? 'student' : 'teacher', seed))
        : new ViT(tf, backboneConfig(backbone, dropPath, seed));
    const head = new DinoHead(tf, {
      inDim: net.outDim,
      outDim: config.outDim,
      nLayers: config.headLayers,
      hiddenDim: config.headHiddenDim,
      bottleneckDim: config.headBottleneckDim,
      normLastLayer: config.normLastLayer,
      seed: seed + 1,
      trainable,
    });
    return { backbone: net, head };
  };
  // Stochastic depth regularises the student only; the teacher is evaluated deterministically.
  const student = make(true, config.dropPathRate);
  const teacher = make(false, 0);
  initTeacherFromStudent(tf, networkVariables(teacher), networkVariables(student));
  const schedules = buildSchedules(config, stepsPerEpoch);
  const parts: DinoStepParts = {
    tf,
    student,
    teacher,
    loss: new DinoLoss(tf, { outDim: config.outDim, studentTemp: config.studentTemp, centerMomentum: config.centerMomentum, teacherTempPerEpoch: schedules.teacherTempPerEpoch }),
    optimizer: new AdamW(tf, networkVariables(student)),
    schedules,
    monitor: new CollapseMonitor({ outDim: config.outDim }),
    clipGrad: config.clipGrad,
    freezeLastLayer: config.freezeLastLayer,
    ...(microBatch !== undefined ? { microBatch } : {}),
  };
  return {
    parts,
    student,
    teacher,
    dispose: () => {
      for (const net of [student, teacher]) {
        net.backbone.dispose();
        net.head.dispose();
      }
      parts.loss.dispose();
      parts.optimizer.dispose();
    },
  };
}
