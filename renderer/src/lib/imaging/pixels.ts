/**
 * The viewer's pixel source: the `pixels` image variant (raw little-endian samples, 8- or 16-bit)
 * with its geometry and stored display window in response headers.
 */
import type { Samples, Window } from './window-level.js';

export interface PixelImage {
  width: number;
  height: number;
  bitDepth: 8 | 16;
  samples: Samples;
  /** The window the import chose for 16-bit data (null for 8-bit, which shows 0..255). */
  storedWindow: Window | null;
}

interface HeaderSource {
  get(name: string): string | null;
}

export class PixelFormatError extends Error {
  override readonly name = 'PixelFormatError';
}

function intHeader(headers: HeaderSource, name: string): number {
  const value = Number(headers.get(name));
  if (!Number.isInteger(value) || value <= 0) throw new PixelFormatError(`The image answer has no valid ${name} header (got ${headers.get(name) ?? 'none'}).`);
  return value;
}

/** Samples from the `pixels` answer; checks the byte count against the stated geometry. */
export function parsePixels(buffer: ArrayBuffer, headers: HeaderSource): PixelImage {
  const width = intHeader(headers, 'x-image-width');
  const height = intHeader(headers, 'x-image-height');
  const depth = intHeader(headers, 'x-image-bit-depth');
  if (depth !== 8 && depth !== 16) throw new PixelFormatError(`Unsupported bit depth ${depth}: the viewer shows 8- and 16-bit images.`);
  const bytesPerSample = depth / 8;
  if (buffer.byteLength !== width * height * bytesPerSample) {
    throw new PixelFormatError(`The image answer has ${buffer.byteLength} bytes; ${width}×${height} at ${depth} bits needs ${width * height * bytesPerSample}.`);
  }
  let samples: Samples;
  if (depth === 8) {
    samples = new Uint8Array(buffer);
  } else if (new Uint8Array(new Uint16Array([1]).buffer)[0] === 1) {
    samples = new Uint16Array(buffer);
  } else {
    // Big-endian host (rare): read each sample in the wire's little-endian order.
    const view = new DataView(buffer);
    samples = Uint16Array.from({ length: width * height }, (_, i) => view.getUint16(i * 2, true));
  }
  const low = Number(headers.get('x-window-low'));
  const high = Number(headers.get('x-window-high'));
  const stored = headers.get('x-window-low') !== null && Number.isFinite(low) && Number.isFinite(high) && high > low ? { low, high } : null;
  return { width, height, bitDepth: depth, samples, storedWindow: stored };
}

export async function loadPixels(url: string, signal?: AbortSignal): Promise<PixelImage> {
  const response = await fetch(url, signal ? { signal } : {});
  if (!response.ok) {
    const text = (await response.text().catch(() => '')).slice(0, 300);
    throw new Error(text || `The image could not be loaded (HTTP ${response.status}).`);
  }
  return parsePixels(await response.arrayBuffer(), response.headers);
}
