/**
 * Decoded samples → GrayImage, the one place that applies the DICOM pixel rules: keep only
 * BitsStored bits, shift signed data to unsigned, invert MONOCHROME1 (so bright is always
 * "more signal", as MONOCHROME2), and reduce colour to luma. ≤ 8 stored bits give a GrayImage8,
 * more give a GrayImage16 that keeps bitsStored so display can window it.
 */
import type { GrayImage } from '../../imaging/gray-image.js';

export interface SampleLayout {
  width: number;
  height: number;
  /** 1 or 3. */
  samplesPerPixel: number;
  /** Colour samples as RR…GG…BB… rather than RGBRGB…. */
  planar: boolean;
  bitsStored: number;
  /** Native data whose HighBit is not BitsStored-1 keeps its bits this far up. */
  bitShift: number;
  signed: boolean;
  photometric: string;
  /**
   * The codec already turned YCbCr into RGB (JPEG, JPEG 2000 do); otherwise YBR data is
   * still YCbCr and its first channel is the luma itself.
   */
  colourIsRgb: boolean;
}

/** BT.601 luma in 16-bit fixed point (weights sum to 65536), so results are exact integers. */
const LUMA_R = 19595;
const LUMA_G = 38470;
const LUMA_B = 7471;

export function toGrayImage(samples: Uint8Array | Uint16Array, layout: SampleLayout): GrayImage {
  const { width, height, samplesPerPixel, planar, bitsStored, bitShift, signed, photometric } = layout;
  const pixels = width * height;
  const bits = Math.min(Math.max(bitsStored, 1), 16);
  const mask = 2 ** bits - 1;
  // Two's complement in `bits` bits plus 2^(bits-1) is the same bit pattern with the top bit
  // flipped: -2048..2047 (12 bits) becomes 0..4095 with one XOR.
  const signFlip = signed ? 2 ** (bits - 1) : 0;
  const invert = photometric === 'MONOCHROME1';
  const lumaFromRgb = samplesPerPixel === 3 && (layout.colourIsRgb || !photometric.startsWith('YBR'));
  const out = bits <= 8 ? new Uint8Array(pixels) : new Uint16Array(pixels);
  const step = planar ? 1 : samplesPerPixel;
  const channelStride = planar ? pixels : 1;

  for (let p = 0; p < pixels; p++) {
    const at = p * step;
    let value: number;
    if (lumaFromRgb) {
      const r = samples[at] ?? 0;
      const g = samples[at + channelStride] ?? 0;
      const b = samples[at + 2 * channelStride] ?? 0;
      value = Math.floor((LUMA_R * r + LUMA_G * g + LUMA_B * b + 32768) / 65536);
    } else {
      value = samples[at] ?? 0;
    }
    value = ((value >>> bitShift) & mask) ^ signFlip;
    out[p] = invert ? mask - value : value;
  }
  return out instanceof Uint8Array
    ? { width, height, bitDepth: 8, data: out }
    : { width, height, bitDepth: 16, data: out, bitsStored: bits };
}
