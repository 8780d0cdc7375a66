/**
 * Splits encapsulated (compressed) Pixel Data into frames. A frame may span several fragments;
 * the Basic Offset Table says where frames start but is often empty, so when it is, frames are
 * found from one-fragment-per-frame or by scanning fragments for each codec's start marker.
 * Fragment bounds are checked against the file so a cut-off file reports 'truncated'.
 */
import dicomParser, { type DataSet, type Element, type Fragment } from 'dicom-parser';

import { ImageDecodeError } from '../../imaging/gray-image.js';
import type { PixelEncoding } from './transfer-syntax.js';

/** Fragments [start, start + count) make up one frame. */
export interface FrameFragments {
  start: number;
  count: number;
}

function startsWith(bytes: Uint8Array, position: number, signature: readonly number[]): boolean {
  return signature.every((b, i) => bytes[position + i] === b);
}

const JPEG_SOI = [0xff, 0xd8];
const J2K_SOC_SIZ = [0xff, 0x4f, 0xff, 0x51];
const JP2_SIGNATURE = [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20];

/** Whether a fragment begins a new frame, judged by the codec's own start marker. */
function beginsFrame(bytes: Uint8Array, fragment: Fragment, encoding: PixelEncoding): boolean {
  const at = fragment.position;
  switch (encoding) {
    case 'jpeg-baseline':
    case 'jpeg-lossless':
    case 'jpeg-ls':
      return startsWith(bytes, at, JPEG_SOI);
    case 'jpeg2000':
      return startsWith(bytes, at, J2K_SOC_SIZ) || startsWith(bytes, at, JP2_SIGNATURE);
    case 'rle': {
      // RLE header: segment count 1..15, first segment at offset 64.
      const count = bytes[at] ?? 0;
      return count >= 1 && count <= 15 && startsWith(bytes, at + 1, [0, 0, 0, 64, 0, 0, 0]);
    }
    case 'native':
      return false;
  }
}

function rangesFromStarts(starts: number[], fragmentCount: number): FrameFragments[] {
  return starts.map((start, i) => ({ start, count: (starts[i + 1] ?? fragmentCount) - start }));
}

/**
 * Works out which fragments belong to which frame, or throws an ImageDecodeError naming what
 * did not add up. Checks every fragment lies inside the file.
 */
export function splitFrames(
  dataSet: DataSet,
  element: Element,
  frameCount: number,
  encoding: PixelEncoding,
): FrameFragments[] {
  const fragments = element.fragments ?? [];
  const bytes = dataSet.byteArray;
  if (fragments.length === 0) {
    throw new ImageDecodeError('unreadable', 'Encapsulated Pixel Data holds no fragments');
  }
  for (const [i, fragment] of fragments.entries()) {
    if (fragment.position + fragment.length > bytes.length) {
      throw new ImageDecodeError(
        'truncated',
        `DICOM file is truncated: Pixel Data fragment ${i + 1} of ${fragments.length} ends at byte ${fragment.position + fragment.length} but the file has ${bytes.length}`,
      );
    }
  }
  if (frameCount === 1) return [{ start: 0, count: fragments.length }];

  const table = element.basicOffsetTable ?? [];
  if (table.length === frameCount) {
    const starts = table.map((offset) => fragments.findIndex((f) => f.offset === offset));
    if (starts.every((s, i) => s >= 0 && (i === 0 ? s === 0 : s > (starts[i - 1] ?? 0)))) {
      return rangesFromStarts(starts, fragments.length);
    }
  }
  if (fragments.length === frameCount) return fragments.map((_, i) => ({ start: i, count: 1 }));

  const starts = fragments.flatMap((f, i) => (beginsFrame(bytes, f, encoding) ? [i] : []));
  if (starts.length === frameCount && starts[0] === 0) return rangesFromStarts(starts, fragments.length);

  throw new ImageDecodeError(
    'unreadable',
    `Cannot split ${fragments.length} Pixel Data fragments into ${frameCount} frames: the Basic Offset Table has ` +
      `${table.length} entries and ${starts.length} fragments begin a frame`,
  );
}

/** The bytes of one frame; a copy when it spans several fragments, else a view. */
export function frameBytes(dataSet: DataSet, element: Element, range: FrameFragments): Uint8Array {
  const fragments = element.fragments ?? [];
  if (range.count === 1) {
    const fragment = fragments[range.start];
    if (!fragment) throw new RangeError(`No fragment ${range.start}`);
    return dataSet.byteArray.subarray(fragment.position, fragment.position + fragment.length);
  }
  return dicomParser.readEncapsulatedPixelDataFromFragments(dataSet, element, range.start, range.count);
}
