/**
 * One attention request, end to end: the run's backbone (at a checkpoint), the scan, the maps,
 * the overlay PNG. Shared by `octdino attention` and the API (the Inspect view).
 */
import type { Project } from '../../project/project.js';
import { imagesToInput } from '../embed/extract.js';
import { loadEngine } from '../engine/index.js';
import { ViT } from '../models/vit.js';
import { clsAttention, type AttentionMaps } from './attention.js';
import { fileScan, projectScan } from './inspect-image.js';
import { overlayPng, type OverlayOptions } from './overlay.js';
import { InspectInputError, loadRunBackbone } from './run-backbone.js';

export interface AttentionRequest {
  runId: number;
  imageId?: number;
  path?: string;
  checkpointStep?: number;
  /** Model input side; the run's own by default (rounded down to whole patches). */
  inputSize?: number;
  rollout: boolean;
  /** Draw the overlay PNG too (the CLI); the Inspect view draws its own from the maps. */
  overlay: OverlayOptions | null;
}

export interface AttentionResult {
  maps: AttentionMaps;
  png: Buffer | null;
  model: string;
  source: string;
  inputSize: number;
  /** Model load excluded: the forward pass and the maps. */
  seconds: number;
}

export async function attentionForImage(project: Project, req: AttentionRequest): Promise<AttentionResult> {
  const { tf } = await loadEngine();
  const scan = req.imageId !== undefined ? await projectScan(project, req.imageId) : await fileScan(req.path!);
  const { backbone, inputSize: runSize, description } = await loadRunBackbone(tf, project, req.runId, req.checkpointStep);
  try {
    if (!(backbone instanceof ViT)) throw new InspectInputError(`Run ${req.runId} has a ${backbone.name} backbone: attention maps need a ViT (Grad-CAM is the ResNet view).`);
    const p = backbone.config.patchSize;
    const inputSize = Math.max(p, Math.floor((req.inputSize ?? runSize) / p) * p);
    const started = performance.now();
    const input = imagesToInput(tf, [scan], { inputSize });
    let maps: AttentionMaps;
    try {
      maps = await clsAttention(tf, backbone, input, { rollout: req.rollout });
    } finally {
      input.dispose();
    }
    const seconds = (performance.now() - started) / 1000;
    const png = req.overlay ? await overlayPng(scan.data, scan.width, scan.height, maps, req.overlay) : null;
    return { maps, png, model: description, source: scan.source, inputSize, seconds };
  } finally {
    backbone.dispose();
  }
}

/** Patch-feature colours of up to 8 project images through a run's ViT (one PCA across them). */
export async function patchColoursForImages(project: Project, req: { runId: number; imageIds: number[] }): Promise<{ grid: [number, number]; images: { imageId: number; rgb: number[] }[]; model: string }> {
  const { patchColours } = await import('./patch-pca.js');
  const { tf } = await loadEngine();
  const scans = await Promise.all(req.imageIds.map((id) => projectScan(project, id)));
  const { backbone, inputSize, description } = await loadRunBackbone(tf, project, req.runId);
  try {
    if (!(backbone instanceof ViT)) throw new InspectInputError(`Run ${req.runId} has a ${backbone.name} backbone: patch features need a ViT.`);
    const p = backbone.config.patchSize;
    const input = imagesToInput(tf, scans, { inputSize: Math.max(p, Math.floor(inputSize / p) * p) });
    try {
      const r = await patchColours(tf, backbone, input);
      return { grid: r.grid, images: req.imageIds.map((imageId, i) => ({ imageId, rgb: Array.from(r.rgb[i]!) })), model: description };
    } finally {
      input.dispose();
    }
  } finally {
    backbone.dispose();
  }
}
