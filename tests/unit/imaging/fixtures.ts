import { crc32 } from 'node:zlib';
import sharp from 'sharp';

/**
 * Fixture images made by real encoders (sharp/libvips, plus the hand-written TIFF writer for
 * what sharp cannot write). Content is B-scan-like — horizontal bands plus noise — because a
 * flat image would round-trip through any codec and prove nothing.
 */

/** Deterministic PRNG (mulberry32) so fixtures are identical on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 8-bit bands (retinal layers) + speckle noise, full 0..255 range used. */
export function bscan8(width: number, height: number, seed = 1): Uint8Array {
  const random = rng(seed);
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const band = Math.floor(y / 24) % 4;
    for (let x = 0; x < width; x++) {
      const v = 40 * band + 70 * random() + (x === 0 ? 255 : 0);
      out[y * width + x] = Math.min(255, Math.round(v));
    }
  }
  return out;
}

/** 16-bit samples spread over 0..65535 (with byte-order–sensitive values like 0x0102). */
export function bscan16(width: number, height: number, seed = 2): Uint16Array {
  const random = rng(seed);
  const out = new Uint16Array(width * height);
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(random() * 65_536);
  out[0] = 0x0102;
  out[1] = 65_535;
  return out;
}

const raw1 = (width: number, height: number) => ({ raw: { width, height, channels: 1 as const } });

export async function png8(px: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  return sharp(px, raw1(width, height)).toColourspace('b-w').png().toBuffer();
}

export async function png16(px: Uint16Array, width: number, height: number): Promise<Uint8Array> {
  // sharp takes the sample depth from the typed array (Uint16Array → ushort), not from an option.
  return sharp(px, raw1(width, height)).toColourspace('grey16').png().toBuffer();
}

export async function pngRgb(rgb: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  return sharp(rgb, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

export type TiffCompression = 'none' | 'lzw' | 'deflate' | 'packbits';

export async function tiff8(px: Uint8Array, width: number, height: number, compression: TiffCompression): Promise<Uint8Array> {
  return sharp(px, raw1(width, height)).toColourspace('b-w').tiff({ compression }).toBuffer();
}

export async function jpeg8(px: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  return sharp(px, raw1(width, height)).toColourspace('b-w').jpeg({ quality: 95 }).toBuffer();
}

/**
 * A PNG that is only a signature + IHDR (+ IEND) claiming `width` x `height`: decoding its
 * pixels would need width·height bytes, so the decoder must refuse it from the header alone.
 */
export function pngHeaderOnly(width: number, height: number): Uint8Array {
  const chunk = (type: string, body: Uint8Array): Buffer => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(body.length, 0);
    head.write(type, 4, 'ascii');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])) >>> 0, 0);
    return Buffer.concat([head, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grayscale
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IEND', new Uint8Array(0))]);
}

export function truncate(bytes: Uint8Array, fraction: number): Uint8Array {
  return bytes.slice(0, Math.floor(bytes.length * fraction));
}

/** Largest absolute difference between two equally long sample arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return max;
}
