/**
 * The preprocessed training cache (ARCHITECTURE.md, "Data path for training"): every B-scan
 * decoded and resized once into a flat file of fixed-size records, so an epoch over 78k images
 * is a stream of positional reads, not 78k decodes.
 *
 * Layout: `cache/pixels-<S>.u8` holds S x S 8-bit grayscale records, row-major; slot k starts
 * at byte k·S². No per-record header: the slot number is the only key and SQLite owns the
 * mapping image → slot, plus the original width and height. `pixels-<S>.json` beside it
 * records the format (version, size, dtype) so a file from another format is refused on
 * open instead of being read as garbage.
 *
 * Resizing: the full B-scan is stretched to S x S (no letterbox, no crop). OCT B-scans are
 * close to square (OLIVES: 504 x 496, a 1.6% stretch), padding would waste pixels the model
 * must learn to ignore, and a crop would cut retina; augmentation crops from this anyway.
 *
 * Crash safety: a slot is written with one positional write *before* the import registers it
 * in SQLite. A crash in between leaves a written-but-unregistered slot; the next import hands
 * that slot out again and overwrites it. A slot never written (a hole after a crash, or past
 * an out-of-order write) reads as zeros, so callers trust only slots SQLite knows about.
 */
import { closeSync, existsSync, fstatSync, ftruncateSync, mkdirSync, openSync, read, readFileSync, readv, renameSync, write, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

export const TRAINING_CACHE_FORMAT = 'octdino-training-cache';
export const TRAINING_CACHE_VERSION = 1;
export const DEFAULT_CACHE_SIZE = 256;
/**
 * Downscale filter. Lanczos-3 keeps thin retinal layers crisp; measured ≈ 1.9 ms per 504x496
 * image here against ≈ 1.3 ms for linear, and the cache is written once per image.
 */
const RESIZE_KERNEL = 'lanczos3' as const;
/** Linux caps an iovec at 1024 entries; longer runs of adjacent slots are split. */
const MAX_IOV = 1024;

export interface TrainingCacheHeader {
  format: typeof TRAINING_CACHE_FORMAT;
  version: number;
  size: number;
  dtype: 'uint8';
  channels: 1;
  /** Informational: how images were fitted to S x S. */
  resize: 'stretch';
  kernel: string;
}

/** The cache on disk is not in the format this code writes; rebuild it (it is derived data). */
export class TrainingCacheFormatError extends Error {
  override readonly name = 'TrainingCacheFormatError';
}

function positional(op: (cb: (err: NodeJS.ErrnoException | null, n: number) => void) => void): Promise<number> {
  return new Promise<number>((resolve, reject) => op((err, n) => (err ? reject(err) : resolve(n))));
}

export class TrainingCache {
  readonly size: number;
  readonly file: string;
  readonly #recordBytes: number;
  #fd: number | null;
  /** Bytes known to be in the file: its length at open, grown by each completed write. */
  #length: number;
  readonly #inflight = new Set<Promise<unknown>>();

  private constructor(file: string, size: number, fd: number, length: number) {
    this.file = file;
    this.size = size;
    this.#recordBytes = size * size;
    this.#fd = fd;
    this.#length = length;
  }

  /** Opens (creating if needed) `<cacheDir>/pixels-<size>.u8`. Throws TrainingCacheFormatError on a foreign format. */
  static open(cacheDir: string, size = DEFAULT_CACHE_SIZE): TrainingCache {
    if (!Number.isInteger(size) || size < 8 || size > 4096) throw new RangeError(`Cache size must be an integer in 8..4096, got ${size}.`);
    mkdirSync(cacheDir, { recursive: true });
    const file = path.join(cacheDir, `pixels-${size}.u8`);
    const headerFile = path.join(cacheDir, `pixels-${size}.json`);
    const expected: TrainingCacheHeader = {
      format: TRAINING_CACHE_FORMAT,
      version: TRAINING_CACHE_VERSION,
      size,
      dtype: 'uint8',
      channels: 1,
      resize: 'stretch',
      kernel: RESIZE_KERNEL,
    };
    if (existsSync(headerFile)) {
      checkHeader(headerFile, expected);
    } else if (existsSync(file)) {
      // The header is always written first, so a pixel file without one is not ours.
      throw new TrainingCacheFormatError(`${file} has no header (${path.basename(headerFile)}); delete it to rebuild the cache.`);
    } else {
      writeHeaderSync(headerFile, expected);
    }
    const fd = openSync(file, existsSync(file) ? 'r+' : 'w+');
    return new TrainingCache(file, size, fd, fstatSync(fd).size);
  }

  /** Number of whole records in the file (slots past the last write do not exist yet). */
  slotCount(): number {
    return Math.floor(this.#length / this.#recordBytes);
  }

  /** Resizes an 8-bit grayscale image to S x S and stores it at `slot` (growing the file as needed). */
  async write(slot: number, image8: Uint8Array, width: number, height: number): Promise<void> {
    this.#checkSlot(slot);
    if (image8.length !== width * height) throw new Error(`Expected ${width * height} bytes for ${width} x ${height}, got ${image8.length}.`);
    await this.#track(this.#write(slot, image8, width, height));
  }

  /** Stores an already-resized S x S record (from `resize`) at `slot`. */
  async writeRecord(slot: number, record: Uint8Array): Promise<void> {
    this.#checkSlot(slot);
    if (record.length !== this.#recordBytes) throw new Error(`A record is ${this.#recordBytes} bytes, got ${record.length}.`);
    await this.#track(this.#put(slot, record));
  }

  async #write(slot: number, image8: Uint8Array, width: number, height: number): Promise<void> {
    await this.#put(slot, await this.resize(image8, width, height));
  }

  async #put(slot: number, record: Uint8Array): Promise<void> {
    const fd = this.#openFd();
    const offset = slot * this.#recordBytes;
    for (let done = 0; done < record.length; ) {
      done += await positional((cb) => write(fd, record, done, record.length - done, offset + done, cb));
    }
    this.#length = Math.max(this.#length, offset + record.length);
  }

  /** The S x S record an image becomes (exposed so tests and tools can compare without a file). */
  async resize(image8: Uint8Array, width: number, height: number): Promise<Uint8Array> {
    const S = this.size;
    if (width === S && height === S) return image8;
    const data = await sharp(image8, { raw: { width, height, channels: 1 } })
      .resize(S, S, { fit: 'fill', kernel: RESIZE_KERNEL })
      .toColourspace('b-w')
      .raw()
      .toBuffer();
    if (data.length !== this.#recordBytes) throw new Error(`Resize produced ${data.length} bytes, expected ${this.#recordBytes}.`);
    return data;
  }

  async read(slot: number): Promise<Uint8Array> {
    return this.readBatch([slot]);
  }

  /**
   * Records for `slots`, concatenated in the order given (a training batch). Slots that are
   * adjacent in the file are fetched with one `preadv` straight into their places in the result,
   * whatever their order in the batch, so a sequential pass costs one syscall per 1024 slots.
   */
  async readBatch(slots: readonly number[]): Promise<Uint8Array> {
    const R = this.#recordBytes;
    const count = this.slotCount();
    for (const slot of slots) {
      this.#checkSlot(slot);
      if (slot >= count) throw new RangeError(`Slot ${slot} has not been written (the cache holds ${count} slots).`);
    }
    const out = new Uint8Array(slots.length * R);
    const order = slots.map((_, i) => i).sort((a, b) => slots[a]! - slots[b]!);
    const runs: number[][] = [];
    for (const i of order) {
      const run = runs.at(-1);
      const last = run?.at(-1);
      if (run && last !== undefined && slots[i] === slots[last]! + 1 && run.length < MAX_IOV) run.push(i);
      else runs.push([i]);
    }
    const fd = this.#openFd();
    await this.#track(
      Promise.all(
        runs.map(async (run) => {
          const first = slots[run[0]!]!;
          const buffers = run.map((i) => out.subarray(i * R, (i + 1) * R));
          const expected = run.length * R;
          const got =
            buffers.length === 1
              ? await positional((cb) => read(fd, buffers[0]!, 0, R, first * R, cb))
              : await positional((cb) => readv(fd, buffers, first * R, cb));
          if (got !== expected) throw new Error(`Short read from ${this.file} at slot ${first}: ${got} of ${expected} bytes.`);
        }),
      ),
    );
    return out;
  }

  /** Waits for writes and reads in flight, then closes the file. Later calls throw. */
  /**
   * Cuts the file after the first `slots` records (waiting for writes in flight), so that slots
   * past a gap are not mistaken for written ones: `slotCount` only knows the file's length.
   */
  async truncateTo(slots: number): Promise<void> {
    await Promise.allSettled([...this.#inflight]);
    const bytes = Math.min(this.#length, slots * this.#recordBytes);
    ftruncateSync(this.#openFd(), bytes);
    this.#length = bytes;
  }

  async close(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
  }

  #openFd(): number {
    if (this.#fd === null) throw new Error(`Training cache ${this.file} is closed.`);
    return this.#fd;
  }

  #checkSlot(slot: number): void {
    this.#openFd();
    if (!Number.isSafeInteger(slot) || slot < 0) throw new RangeError(`Slot must be a non-negative integer, got ${slot}.`);
  }

  /** Keeps close() from freeing the descriptor while a positional read or write still uses it. */
  async #track<T>(promise: Promise<T>): Promise<T> {
    this.#inflight.add(promise);
    try {
      return await promise;
    } finally {
      this.#inflight.delete(promise);
    }
  }
}

function checkHeader(headerFile: string, expected: TrainingCacheHeader): void {
  let found: Partial<TrainingCacheHeader>;
  try {
    found = JSON.parse(readFileSync(headerFile, 'utf8')) as Partial<TrainingCacheHeader>;
  } catch (err) {
    throw new TrainingCacheFormatError(`Cannot read ${headerFile}: ${(err as Error).message}`);
  }
  for (const key of ['format', 'version', 'size', 'dtype', 'channels'] as const) {
    if (found[key] !== expected[key]) {
      throw new TrainingCacheFormatError(
        `${headerFile}: ${key} is ${JSON.stringify(found[key])}, this version expects ${JSON.stringify(expected[key])}; rebuild the cache.`,
      );
    }
  }
}

function writeHeaderSync(headerFile: string, header: TrainingCacheHeader): void {
  // Synchronous because open() is; tmp + rename so a crash never leaves a torn header.
  const tmp = `${headerFile}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(header, null, 2)}\n`);
  renameSync(tmp, headerFile);
}
