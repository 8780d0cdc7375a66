/**
 * Reads one DICOM file for import: parses it, maps its metadata, and checks everything that
 * can be checked before decoding (transfer syntax, Pixel Data present and complete, vendor
 * private payloads, size limits), so each problem is one per-file ImageDecodeError that names
 * what was found. Frames are decoded on demand, one B-scan at a time.
 */
import type { DataSet, Element } from 'dicom-parser';

import { DEFAULT_IMAGE_LIMITS, type GrayImage, ImageDecodeError, type ImageLimits } from '../../imaging/gray-image.js';
import { decodeCompressedFrame } from './codecs.js';
import { type DicomMeta, readDicomMeta, readFrameCount } from './dicom-meta.js';
import { type FrameFragments, frameBytes, splitFrames } from './encapsulated-frames.js';
import { checkNativeLength, type NativeShape, nativeFrameSamples } from './native-pixels.js';
import { parseDataset } from './parse-dataset.js';
import { decodeRleFrame } from './rle-decoder.js';
import { toGrayImage } from './to-gray.js';
import { describeTransferSyntax, type PixelEncoding } from './transfer-syntax.js';
import { describeVendorPrivate, findVendorPrivatePayload } from './vendor-private.js';

export type { DicomMeta } from './dicom-meta.js';

export interface DicomFile {
  meta: DicomMeta;
  /** 1 for single-frame files; one frame per B-scan for OCT volumes. */
  frameCount: number;
  /** Decodes frame `index` (0-based); rejects with ImageDecodeError on corrupt data. */
  decodeFrame(index: number): Promise<GrayImage>;
}

const PIXEL_DATA = 'x7fe00010';
const FLOAT_PIXEL_DATA = ['x7fe00008', 'x7fe00009'];
const PHOTOMETRICS = new Set([
  'MONOCHROME1',
  'MONOCHROME2',
  'RGB',
  'YBR_FULL',
  'YBR_FULL_422',
  'YBR_RCT',
  'YBR_ICT',
  'YBR_PARTIAL_420',
]);

function explainMissingPixelData(dataSet: DataSet, meta: DicomMeta): never {
  if (FLOAT_PIXEL_DATA.some((tag) => dataSet.elements[tag])) {
    throw new ImageDecodeError('unsupported', 'Float Pixel Data (7FE0,0008/0009) is not supported: integer Pixel Data only');
  }
  const finding = findVendorPrivatePayload(dataSet);
  if (finding) throw new ImageDecodeError('vendor_private', describeVendorPrivate(finding));
  throw new ImageDecodeError(
    'not_an_image',
    `DICOM file has no Pixel Data (7FE0,0010): ${meta.sopClassName}` +
      `${meta.modality ? `, modality ${meta.modality}` : ''} holds no image to import`,
  );
}

function checkPixelDescription(meta: DicomMeta, frameCount: number): void {
  const fail = (reason: 'unsupported' | 'unreadable', message: string): never => {
    throw new ImageDecodeError(reason, message);
  };
  if (meta.rows <= 0 || meta.columns <= 0) fail('unreadable', `Pixel Data present but Rows/Columns are ${meta.rows}/${meta.columns}`);
  if (!Number.isInteger(frameCount) || frameCount < 1) fail('unreadable', `NumberOfFrames is ${frameCount}`);
  if (meta.bitsAllocated !== 8 && meta.bitsAllocated !== 16) {
    fail('unsupported', `BitsAllocated ${meta.bitsAllocated} is not supported (8 or 16 only)`);
  }
  if (meta.bitsStored < 1 || meta.bitsStored > meta.bitsAllocated) {
    fail('unreadable', `BitsStored ${meta.bitsStored} does not fit BitsAllocated ${meta.bitsAllocated}`);
  }
  if (meta.samplesPerPixel !== 1 && meta.samplesPerPixel !== 3) {
    fail('unsupported', `SamplesPerPixel ${meta.samplesPerPixel} is not supported (1 or 3 only)`);
  }
  if (!PHOTOMETRICS.has(meta.photometricInterpretation)) {
    fail('unsupported', `PhotometricInterpretation ${meta.photometricInterpretation} is not supported`);
  }
}

function checkLimits(meta: DicomMeta, frameCount: number, limits: ImageLimits): void {
  const { rows, columns } = meta;
  const size = `${columns}x${rows}`;
  if (rows > limits.maxSide || columns > limits.maxSide) {
    throw new ImageDecodeError('too_large', `Frames are ${size} pixels; the largest side accepted is ${limits.maxSide}`);
  }
  if (rows * columns > limits.maxPixels) {
    throw new ImageDecodeError('too_large', `Frames are ${size} = ${rows * columns} pixels; the limit is ${limits.maxPixels}`);
  }
  const volumeBytes = rows * columns * frameCount * Math.ceil(meta.bitsStored / 8);
  if (volumeBytes > limits.maxFileBytes) {
    throw new ImageDecodeError(
      'too_large',
      `${frameCount} frames of ${size} decode to ${volumeBytes} bytes; the limit is ${limits.maxFileBytes}`,
    );
  }
}

/** Returns a function that decodes one frame to interleaved/planar samples for toGrayImage. */
function frameSource(
  dataSet: DataSet,
  element: Element,
  meta: DicomMeta,
  encoding: PixelEncoding,
  frameCount: number,
): (index: number) => Promise<GrayImage> {
  const layout = {
    width: meta.columns,
    height: meta.rows,
    bitsStored: meta.bitsStored,
    signed: meta.pixelRepresentation === 1,
    photometric: meta.photometricInterpretation,
  };
  if (encoding === 'native') {
    const shape: NativeShape = { ...meta, photometric: meta.photometricInterpretation };
    checkNativeLength(dataSet, element, shape, frameCount);
    return async (index) => {
      const { samples, samplesPerPixel } = nativeFrameSamples(dataSet, element, shape, index);
      return toGrayImage(samples, {
        ...layout,
        samplesPerPixel,
        planar: samplesPerPixel === 3 && meta.planarConfiguration === 1,
        bitShift: Math.max(0, meta.highBit + 1 - meta.bitsStored),
        colourIsRgb: false,
      });
    };
  }
  const ranges: FrameFragments[] = splitFrames(dataSet, element, frameCount, encoding);
  return async (index) => {
    const label = `frame ${index + 1} of ${frameCount}`;
    const encoded = frameBytes(dataSet, element, ranges[index] ?? { start: 0, count: 0 });
    if (encoding === 'rle') {
      const samples = decodeRleFrame(encoded, { width: meta.columns, height: meta.rows, ...meta });
      return toGrayImage(samples, { ...layout, samplesPerPixel: meta.samplesPerPixel, planar: false, bitShift: 0, colourIsRgb: false });
    }
    const decoded = await decodeCompressedFrame(encoding, encoded, label);
    if (decoded.width !== meta.columns || decoded.height !== meta.rows || decoded.components !== meta.samplesPerPixel) {
      throw new ImageDecodeError(
        'unreadable',
        `${label} decodes to ${decoded.width}x${decoded.height}x${decoded.components} but the header says ` +
          `${meta.columns}x${meta.rows}x${meta.samplesPerPixel}`,
      );
    }
    return toGrayImage(decoded.samples, {
      ...layout,
      samplesPerPixel: decoded.components,
      planar: decoded.planar,
      bitShift: 0,
      // JPEG and JPEG 2000 decoders convert YCbCr to RGB themselves; JPEG-LS does not.
      colourIsRgb: encoding !== 'jpeg-ls',
    });
  };
}

/**
 * Parses `bytes` as a DICOM file. Throws ImageDecodeError ('empty', 'not_an_image',
 * 'truncated', 'unsupported', 'vendor_private', 'too_large', 'unreadable') for anything that
 * cannot be imported; frames are decoded later by `decodeFrame`.
 */
export function readDicom(bytes: Uint8Array, limits: ImageLimits = DEFAULT_IMAGE_LIMITS): DicomFile {
  if (bytes.length === 0) throw new ImageDecodeError('empty', 'File is empty (0 bytes)');
  if (bytes.length > limits.maxFileBytes) {
    throw new ImageDecodeError('too_large', `File is ${bytes.length} bytes; the limit is ${limits.maxFileBytes}`);
  }
  const { dataSet, transferSyntaxUid } = parseDataset(bytes, limits);
  const syntax = describeTransferSyntax(transferSyntaxUid);
  const meta = readDicomMeta(dataSet, transferSyntaxUid);
  const element = dataSet.elements[PIXEL_DATA];
  if (!element) explainMissingPixelData(dataSet, meta);
  if (!syntax.encoding) {
    throw new ImageDecodeError('unsupported', `Unsupported transfer syntax ${syntax.uid} (${syntax.name}): export as Explicit VR Little Endian, JPEG, JPEG-LS, JPEG 2000 or RLE`);
  }
  const frameCount = readFrameCount(dataSet);
  checkPixelDescription(meta, frameCount);
  checkLimits(meta, frameCount, limits);
  if (syntax.encoding !== 'native' && !element.encapsulatedPixelData) {
    throw new ImageDecodeError('unreadable', `Transfer syntax ${syntax.name} needs encapsulated Pixel Data, but it is stored native`);
  }
  const decode = frameSource(dataSet, element, meta, syntax.encoding, frameCount);
  return {
    meta,
    frameCount,
    decodeFrame(index: number): Promise<GrayImage> {
      if (!Number.isInteger(index) || index < 0 || index >= frameCount) {
        return Promise.reject(new RangeError(`Frame index ${index} is outside 0..${frameCount - 1}`));
      }
      return decode(index);
    },
  };
}
