import { open } from 'node:fs/promises';
import path from 'node:path';

const IMAGE_EXTENSIONS = new Set(['.png', '.tif', '.tiff', '.jpg', '.jpeg']);
const DICOM_EXTENSIONS = new Set(['.dcm', '.dicom']);

export function isImageFile(relPath: string): boolean {
  return IMAGE_EXTENSIONS.has(path.extname(relPath).toLowerCase());
}

/**
 * DICOM files often have no extension (device exports name them by UID), so besides `.dcm`
 * a file counts as DICOM when it has the "DICM" marker after the 128-byte preamble.
 */
export async function isDicomFile(absPath: string): Promise<boolean> {
  if (DICOM_EXTENSIONS.has(path.extname(absPath).toLowerCase())) return true;
  if (path.extname(absPath) !== '' && !/^\.\d+$/.test(path.extname(absPath))) return false;
  const handle = await open(absPath, 'r');
  try {
    const buffer = Buffer.alloc(4);
    const { bytesRead } = await handle.read(buffer, 0, 4, 128);
    return bytesRead === 4 && buffer.toString('latin1') === 'DICM';
  } finally {
    await handle.close();
  }
}
