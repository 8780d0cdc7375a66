/**
 * Seeded pseudo-random numbers for the demo dataset.
 *
 * Why deterministic: the demo project, the import tests and the training tests all need the
 * *same* images and labels on every machine and every run, so a failing test or a surprising
 * accuracy can be reproduced from the seed alone. `Math.random()` cannot be seeded.
 *
 * Why `fork`: a child stream is a pure function of (parent seed, label). It neither reads nor
 * advances the parent's position, so image k's pixels are the same whether images 0..k-1 were
 * rendered first, rendered in parallel, or not at all.
 *
 * The generator is mulberry32 (32-bit state, period 2^32): tiny, fast and plenty for one
 * image's few million draws. It is not cryptographic and need not be.
 */

export interface Rng {
  /** The integer this stream was created from; `createRng(rng.seed)` restarts it. */
  readonly seed: number;
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number;
  /** Uniform integer in [lo, hi], both ends included. */
  int(lo: number, hi: number): number;
  /** Normal deviate (Box–Muller). */
  normal(mean?: number, sd?: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** One element, uniformly; throws on an empty list. */
  pick<T>(items: readonly T[]): T;
  /** An independent child stream named by `label`; does not touch this stream's position. */
  fork(label: string | number): Rng;
}

/** A strong 32-bit integer finaliser ("lowbias32", C. Wellons' hash prospector). */
export function mix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x21f0aaad);
  h ^= h >>> 15;
  h = Math.imul(h, 0x735a2d97);
  h ^= h >>> 15;
  return h >>> 0;
}

/** FNV-1a over UTF-16 code units, finalised with mix32 so short labels still spread well. */
function hashLabel(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

/** Maps any safe integer (including negatives and values above 2^32) to a 32-bit key. */
function keyFromSeed(seed: number): number {
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`Rng seed must be a safe integer, got ${seed}`);
  }
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 0x100000000) >>> 0;
  return mix32(lo ^ mix32(hi + 0x9e3779b9));
}

class Mulberry32 implements Rng {
  private readonly key: number;
  private state: number;
  private spareNormal: number | null = null;

  constructor(readonly seed: number) {
    this.key = keyFromSeed(seed);
    this.state = this.key;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  int(lo: number, hi: number): number {
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) {
      throw new RangeError(`Rng.int needs integers lo <= hi, got ${lo}, ${hi}`);
    }
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  normal(mean = 0, sd = 1): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return mean + sd * z;
    }
    // 1 - next() lies in (0, 1], so the logarithm is finite.
    const r = Math.sqrt(-2 * Math.log(1 - this.next()));
    const theta = 2 * Math.PI * this.next();
    this.spareNormal = r * Math.sin(theta);
    return mean + sd * r * Math.cos(theta);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Rng.pick needs a non-empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  fork(label: string | number): Rng {
    return new Mulberry32(mix32(this.key ^ hashLabel(String(label))));
  }
}

/** A stream from an integer seed, or from a string (hashed), e.g. a file path. */
export function createRng(seed: number | string): Rng {
  return new Mulberry32(typeof seed === 'string' ? hashLabel(seed) : seed);
}

/** A Fisher–Yates shuffle of a copy of `items` drawn from `rng` (the input is not touched). */
export function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
