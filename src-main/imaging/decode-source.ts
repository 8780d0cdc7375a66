import { readFile } from 'node:fs/promises';
import { readDicom } from '../import/dicom/read-dicom.js';
import { decodeImage } from './decode.js';
import type { GrayImage } from './gray-image.js';

function isDicom(bytes: Uint8Array, file: string): boolean {
  const marker = bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
  return marker || /\.dcm$/i.test(file);
}

/** Decodes the original file (or DICOM frame) behind an image. */
export async function decodeSource(file: string, frameIndex: number): Promise<GrayImage> {
  const bytes = await readFile(file);
  if (isDicom(bytes, file)) return readDicom(bytes).decodeFrame(frameIndex);
  return decodeImage(bytes);
}
