/**
 * The import pipeline: runs a plan file by file — read, hash, decode, derive (thumbnail and
 * training-cache slot), register — with a few files in flight so decoding (on sharp's thread
 * pool) overlaps file I/O. Nothing is held beyond the files in flight.
 *
 * Guarantees the user relies on:
 * - idempotent: a file already imported from this source (same size) is skipped, and a file
 *   whose content was imported from elsewhere is recognised by its SHA-256 and not added twice;
 * - resumable: images are registered in small transactions only after their derived data is
 *   on disk, so a kill (even -9) loses only the files in flight, and a re-run does the rest;
 * - every failing file gets a reason, and the rest still imports;
 * - reproducible: files decode concurrently, but cache slots are handed out and images
 *   registered in plan order, so importing the same files twice gives the same slots and image
 *   ids (and a training run's data order with them).
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { decodeImage } from '../imaging/decode.js';
import { DEFAULT_IMAGE_LIMITS, ImageDecodeError, type GrayImage, type ImageLimits } from '../imaging/gray-image.js';
import { prepareDerived } from '../imaging/prepare.js';
import { TrainingCache } from '../imaging/training-cache.js';
import type { JobContext } from '../jobs/job-context.js';
import { readDicom } from './dicom/read-dicom.js';
import type { ImportPlan } from './import-plan.js';
import { ImportRegistry, type ImageRecord, type LabelSetIds } from './registry.js';
import type { MissingImage, SkippedFile, SourceEntry } from './source-entry.js';

export interface ImportFailure {
  path: string;
  reason: string;
}

export interface ImportResult {
  sourceId: number;
  /** Images (B-scans; DICOM frames count one each) added or re-imported. */
  added: number;
  /** Files already in the project (same source and size, or same content from elsewhere). */
  skipped: number;
  failed: ImportFailure[];
  skippedFiles: SkippedFile[];
  rowsWithoutImage: MissingImage[];
  imagesWithoutLabels: number;
  warnings: string[];
  seconds: number;
}

export interface ImportOptions {
  limits?: ImageLimits;
  /** Files in flight at once; decoding runs on sharp's threads, so a few more than cores. */
  concurrency?: number;
  /** Part of the job's progress bar this import fills (a demo job generates first). */
  progressRange?: readonly [number, number];
  cacheSize?: number;
}

/** One decoded frame, before registration. */
interface DecodedFrame {
  frameIndex: number;
  image: GrayImage;
  meta: SourceEntry['meta'];
  studyDate?: string;
  pixelSpacing?: ImageRecord['pixelSpacing'];
}

const BATCH_SIZE = 64;

export async function runImport(ctx: JobContext, plan: ImportPlan, options: ImportOptions = {}): Promise<ImportResult> {
  const started = Date.now();
  const limits = options.limits ?? DEFAULT_IMAGE_LIMITS;
  const [from, to] = options.progressRange ?? [0, 1];
  const project = ctx.project;
  const registry = new ImportRegistry(project.db);
  const root = path.resolve(plan.source.root);
  const sourceId = registry.ensureSource(plan.source.kind, root, plan.source.label, plan.source.options);
  const labels: { set: LabelSetIds; annotatorId: number } | null =
    plan.labelSet && plan.annotator
      ? { set: registry.ensureLabelSet(plan.labelSet), annotatorId: registry.ensureAnnotator(plan.annotator, 'import') }
      : null;
  const cache = TrainingCache.open(project.path('cache'), options.cacheSize);
  const thumbsDir = project.path('thumbs');
  let nextSlot = registry.nextCacheSlot();

  const result: ImportResult = {
    sourceId,
    added: 0,
    skipped: 0,
    failed: [],
    skippedFiles: plan.skipped,
    rowsWithoutImage: plan.rowsWithoutImage,
    imagesWithoutLabels: plan.imagesWithoutLabels,
    warnings: [...plan.warnings],
    seconds: 0,
  };
  // Records wait here until every lower slot is registered or void (its derivation failed).
  const ready = new Map<number, ImageRecord>();
  const voidSlots = new Set<number>();
  let nextToRegister = nextSlot;
  const flush = (all = false): void => {
    const batch: ImageRecord[] = [];
    for (;;) {
      const record = ready.get(nextToRegister);
      if (record) batch.push(record);
      else if (!voidSlots.delete(nextToRegister)) break;
      ready.delete(nextToRegister);
      nextToRegister++;
    }
    if (all) batch.push(...[...ready.values()].sort((a, b) => (a.cacheSlot ?? 0) - (b.cacheSlot ?? 0)));
    if (all) ready.clear();
    if (batch.length === 0) return;
    registry.registerBatch(sourceId, batch, labels);
    result.added += batch.length;
  };
  const order = new PlanOrder();

  let done = 0;
  const total = plan.entries.length;
  const report = (relPath: string): void => {
    const elapsed = (Date.now() - started) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    ctx.progress({
      fraction: from + (to - from) * (total === 0 ? 1 : done / total),
      message: `${done} of ${total} files · ${rate.toFixed(0)} files/s · ${relPath}`,
      etaSeconds: rate > 0 ? (total - done) / rate : null,
      metrics: { files: done, total, added: result.added + ready.size, skipped: result.skipped, failed: result.failed.length, filesPerSecond: rate },
    });
  };

  /** Reads and decodes one file; returns null when it is skipped. Never throws for bad files. */
  const processEntry = async (entry: SourceEntry, index: number): Promise<DecodedFrame[] | null> => {
    const absPath = path.join(root, ...entry.relPath.split('/'));
    const size = (await stat(absPath)).size;
    const existing = registry.existing(sourceId, entry.relPath, 0);
    if (existing?.status === 'ok' && existing.byteSize === size) {
      // Unchanged file: keep it, but let a corrected label file update its labels.
      if (hasLabelsOrClinical(entry)) registry.annotateExisting(existing.id, entry.meta, labels);
      result.skipped++;
      return null;
    }
    if (size === 0) throw new ImageDecodeError('empty', 'The file is empty (0 bytes).');
    if (size > limits.maxFileBytes) throw new ImageDecodeError('too_large', `The file is ${formatBytes(size)}, over the ${formatBytes(limits.maxFileBytes)} limit.`);
    const bytes = await readFile(absPath);
    const contentHash = createHash('sha256').update(bytes).digest('hex');
    const twin = registry.sameContent(contentHash, 0);
    if (twin) {
      if (hasLabelsOrClinical(entry)) registry.annotateExisting(twin.id, entry.meta, labels);
      result.skipped++;
      return null;
    }
    const frames: DecodedFrame[] = entry.format === 'dicom' ? await decodeDicomFrames(bytes, entry, limits) : [{ frameIndex: 0, image: await decodeImage(bytes, limits), meta: entry.meta }];
    await order.turn(index);
    const slots = frames.map(() => nextSlot++);
    order.release(index);
    for (const [k, frame] of frames.entries()) {
      const slot = slots[k] as number;
      let derived;
      try {
        derived = await prepareDerived(frame.image, { thumbsDir, contentHash, frameIndex: frame.frameIndex, cache, slot });
      } catch (err) {
        for (const rest of slots.slice(k)) voidSlots.add(rest);
        throw err;
      }
      ready.set(slot, {
        relPath: entry.relPath,
        frameIndex: frame.frameIndex,
        contentHash,
        byteSize: size,
        width: frame.image.width,
        height: frame.image.height,
        bitDepth: frame.image.bitDepth === 16 ? (frame.image.bitsStored ?? 16) : 8,
        meta: frame.meta,
        cacheSlot: slot,
        window: derived.window,
        ...(frame.studyDate ? { studyDate: frame.studyDate } : {}),
        ...(frame.pixelSpacing ? { pixelSpacing: frame.pixelSpacing } : {}),
      });
    }
    return frames;
  };

  try {
    await forEachConcurrently(plan.entries, options.concurrency ?? 6, ctx.signal, async (entry, index) => {
      try {
        await processEntry(entry, index);
      } catch (err) {
        const reason = describeFailure(err);
        registry.recordFailure(sourceId, entry.relPath, reason);
        result.failed.push({ path: entry.relPath, reason });
      } finally {
        // Skipped and failed files take no slot: let the next file take its turn.
        order.release(index);
      }
      done++;
      if (ready.size >= BATCH_SIZE) flush();
      report(entry.relPath);
    });
  } finally {
    // Cancelled or not, what finished is registered: a resumed import will skip it.
    flush(true);
    await cache.close();
  }
  result.seconds = (Date.now() - started) / 1000;
  return result;
}

async function decodeDicomFrames(bytes: Uint8Array, entry: SourceEntry, limits: ImageLimits): Promise<DecodedFrame[]> {
  const file = readDicom(bytes, limits);
  const { meta } = file;
  const frames: DecodedFrame[] = [];
  const pixelSpacing = meta.pixelSpacing
    ? { row: meta.pixelSpacing[0], column: meta.pixelSpacing[1], ...(meta.sliceThickness ? { sliceThickness: meta.sliceThickness } : {}) }
    : undefined;
  for (let i = 0; i < file.frameCount; i++) {
    frames.push({
      frameIndex: i,
      image: await file.decodeFrame(i),
      meta: {
        ...entry.meta,
        ...(meta.patientId ? { patient: meta.patientId } : {}),
        ...(meta.laterality ? { eye: meta.laterality } : {}),
        ...(meta.studyDate ? { visit: meta.studyDate } : {}),
        // One frame per B-scan: a multi-frame file is a volume and the frame is the slice.
        ...(file.frameCount > 1 ? { sliceIndex: i } : {}),
      },
      ...(meta.studyDate ? { studyDate: meta.studyDate } : {}),
      ...(pixelSpacing ? { pixelSpacing } : {}),
    });
  }
  return frames;
}

function hasLabelsOrClinical(entry: SourceEntry): boolean {
  return Object.keys(entry.meta.labels ?? {}).length > 0 || Object.keys(entry.meta.clinical ?? {}).length > 0;
}

function describeFailure(err: unknown): string {
  if (err instanceof ImageDecodeError) return `${err.reason.replaceAll('_', ' ')}: ${err.message}`;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'missing: the file disappeared during the import';
  if (code === 'EACCES' || code === 'EPERM') return 'unreadable: permission denied';
  return `unreadable: ${err instanceof Error ? err.message : String(err)}`;
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GiB` : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

/**
 * Runs `work` over `items` with at most `limit` in flight, in order of start. Stops taking new
 * items once `signal` aborts, waits for those in flight, then throws the abort reason.
 */
export async function forEachConcurrently<T>(
  items: readonly T[],
  limit: number,
  signal: AbortSignal,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length && !signal.aborted) {
      const index = next++;
      await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  signal.throwIfAborted();
}

/**
 * Turns in plan order for work that runs concurrently: item i's `turn` resolves once items
 * 0 … i−1 have each been released (they took their cache slots, or were skipped or failed).
 * Items are started in order, so every earlier item is already running and will release.
 */
export class PlanOrder {
  #next = 0;
  readonly #released = new Set<number>();
  readonly #waiting = new Map<number, () => void>();

  turn(index: number): Promise<void> {
    if (index <= this.#next) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.set(index, resolve));
  }

  /** Idempotent: a second release of the same item does nothing. */
  release(index: number): void {
    if (index < this.#next) return;
    this.#released.add(index);
    while (this.#released.delete(this.#next)) {
      this.#next++;
      const wake = this.#waiting.get(this.#next);
      if (wake) {
        this.#waiting.delete(this.#next);
        wake();
      }
    }
  }
}
