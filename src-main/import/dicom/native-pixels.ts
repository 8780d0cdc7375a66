/**
 * Uncompressed ("native") Pixel Data: frames lie back to back, each
 * Rows x Columns x SamplesPerPixel x BitsAllocated/8 bytes, little endian. This module finds one
 * frame's samples; to-gray.ts interprets them. The length is checked up front so a cut-off file
 * reports 'truncated' at read time, not garbage at decode time.
 */
import type { DataSet, Element } from 'dicom-parser';

import { ImageDecodeError } from '../../imaging/gray-image.js';

export interface NativeShape {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  photometric: string;
}

/** YBR_FULL_422 stores two luma samples per Cb/Cr pair: Y0 Y1 Cb Cr. */
function isSubsampled(shape: NativeShape): boolean {
  return shape.photometric === 'YBR_FULL_422' && shape.samplesPerPixel === 3;
}

export function nativeFrameBytes(shape: NativeShape): number {
  const pixels = shape.rows * shape.columns;
  const samples = isSubsampled(shape) ? pixels * 2 : pixels * shape.samplesPerPixel;
  return (samples * shape.bitsAllocated) / 8;
}

/** Throws 'truncated' unless the Pixel Data element holds every frame. */
export function checkNativeLength(dataSet: DataSet, element: Element, shape: NativeShape, frameCount: number): void {
  const needed = nativeFrameBytes(shape) * frameCount;
  const available = Math.min(element.length, dataSet.byteArray.length - element.dataOffset);
  if (available < needed) {
    throw new ImageDecodeError(
      'truncated',
      `DICOM file is truncated: Pixel Data holds ${available} bytes but ${frameCount} frame(s) of ` +
        `${shape.columns}x${shape.rows} need ${needed}`,
    );
  }
}

/**
 * One frame's samples. 16-bit data is copied into a fresh Uint16Array (the file's bytes may sit
 * at an odd offset; DICOM and every platform Node runs on are little endian). YBR_FULL_422 is
 * reduced here to its luma samples (one per pixel), since the importer only wants grey.
 */
export function nativeFrameSamples(
  dataSet: DataSet,
  element: Element,
  shape: NativeShape,
  frameIndex: number,
): { samples: Uint8Array | Uint16Array; samplesPerPixel: number } {
  const frameBytes = nativeFrameBytes(shape);
  const start = element.dataOffset + frameIndex * frameBytes;
  const bytes = dataSet.byteArray.subarray(start, start + frameBytes);
  // new Uint8Array(view) copies; Buffer#slice would not (it returns a view on the file).
  const samples = shape.bitsAllocated === 16 ? new Uint16Array(new Uint8Array(bytes).buffer) : bytes;
  if (!isSubsampled(shape)) return { samples, samplesPerPixel: shape.samplesPerPixel };
  const pixels = shape.rows * shape.columns;
  const luma = samples instanceof Uint8Array ? new Uint8Array(pixels) : new Uint16Array(pixels);
  for (let pair = 0; pair < pixels / 2; pair++) {
    luma[2 * pair] = samples[4 * pair] ?? 0;
    luma[2 * pair + 1] = samples[4 * pair + 1] ?? 0;
  }
  return { samples: luma, samplesPerPixel: 1 };
}
