/**
 * Images as the UI receives them, by id only, for both transports (the web host's
 * `/api/images/<id>/<variant>` and the desktop's `octdino-image://` protocol):
 * - `thumb`: the browse thumbnail made at import (JPEG);
 * - `display`: the full B-scan as an 8-bit PNG (TIFF and DICOM cannot be shown by a browser),
 *   rescaled with the same window as the training cache;
 * - `pixels`: the original samples, 8- or 16-bit little-endian, for window/level in the viewer.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { decodeSource } from '../imaging/decode-source.js';
import type { GrayImage } from '../imaging/gray-image.js';
import { encodeThumbnail, thumbnailPath } from '../imaging/thumbnail.js';
import { toEightBit } from '../imaging/to-8bit.js';
import { imageFileRef } from '../project/images.js';
import type { Project } from '../project/project.js';

export const IMAGE_VARIANTS = ['thumb', 'display', 'pixels'] as const;
export type ImageVariant = (typeof IMAGE_VARIANTS)[number];

export interface DeliveredImage {
  status: 200 | 404 | 422;
  contentType: string;
  body: Buffer;
  /** Extra headers (pixel geometry for `pixels`). */
  headers: Record<string, string>;
}

function notFound(message: string, status: 404 | 422 = 404): DeliveredImage {
  return { status, contentType: 'text/plain; charset=utf-8', body: Buffer.from(message), headers: {} };
}

export async function deliverImage(project: Project, id: number, variant: ImageVariant): Promise<DeliveredImage> {
  const ref = imageFileRef(project.db, id);
  if (!ref) return notFound(`No image ${id}.`);
  if (variant === 'thumb' && ref.contentHash) {
    const thumb = thumbnailPath(project.path('thumbs'), ref.contentHash, ref.frameIndex);
    if (existsSync(thumb)) return { status: 200, contentType: 'image/jpeg', body: await readFile(thumb), headers: {} };
  }
  if (!existsSync(ref.path)) return notFound(`The file of image ${id} is missing: ${ref.path}. Was its folder moved?`);
  let image: GrayImage;
  try {
    image = await decodeSource(ref.path, ref.frameIndex);
  } catch (err) {
    return notFound(`Image ${id} cannot be decoded: ${(err as Error).message}`, 422);
  }
  if (variant === 'pixels') {
    const body = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
    return {
      status: 200,
      contentType: 'application/octet-stream',
      body,
      headers: {
        'x-image-width': String(image.width),
        'x-image-height': String(image.height),
        'x-image-bit-depth': String(image.bitDepth),
        ...(ref.window ? { 'x-window-low': String(ref.window.low), 'x-window-high': String(ref.window.high) } : {}),
      },
    };
  }
  const eight = toEightBit(image).data;
  if (variant === 'thumb') {
    // Thumbnail missing (deleted cache folder): make it on the fly rather than fail.
    const { data } = await encodeThumbnail(eight, image.width, image.height);
    return { status: 200, contentType: 'image/jpeg', body: data, headers: {} };
  }
  const png = await sharp(eight, { raw: { width: image.width, height: image.height, channels: 1 } })
    .toColourspace('b-w')
    .png({ compressionLevel: 1 })
    .toBuffer();
  return { status: 200, contentType: 'image/png', body: png, headers: {} };
}
