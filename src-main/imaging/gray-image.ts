/**
 * A decoded grayscale image: the one pixel format every decoder (PNG/TIFF/JPEG via sharp,
 * DICOM frames) produces and every consumer (thumbnails, the training cache) reads.
 * 16-bit data stays 16-bit here so display can window it; training gets an 8-bit rescale.
 */
export interface GrayImage8 {
  readonly width: number;
  readonly height: number;
  readonly bitDepth: 8;
  readonly data: Uint8Array;
}

export interface GrayImage16 {
  readonly width: number;
  readonly height: number;
  readonly bitDepth: 16;
  /** Unsigned samples; `bitsStored` (e.g. 12 for many OCT devices) says how many bits are used. */
  readonly data: Uint16Array;
  readonly bitsStored?: number;
}

export type GrayImage = GrayImage8 | GrayImage16;

/** Bounds that keep a hostile or broken file from exhausting memory. */
export interface ImageLimits {
  /** Largest width or height accepted, in pixels. */
  maxSide: number;
  /** Largest width x height accepted. */
  maxPixels: number;
  /** Largest file read, in bytes. */
  maxFileBytes: number;
}

export const DEFAULT_IMAGE_LIMITS: ImageLimits = Object.freeze({
  maxSide: 8192,
  maxPixels: 40_000_000,
  maxFileBytes: 2 * 1024 ** 3,
});

/** Why a file could not be imported; shown to the user next to the file. */
export type ImageErrorReason =
  | 'empty'
  | 'truncated'
  | 'not_an_image'
  | 'unsupported'
  | 'too_large'
  | 'vendor_private'
  | 'unreadable';

export class ImageDecodeError extends Error {
  override readonly name = 'ImageDecodeError';
  constructor(
    readonly reason: ImageErrorReason,
    message: string,
  ) {
    super(message);
  }
}
