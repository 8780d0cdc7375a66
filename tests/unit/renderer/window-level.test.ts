import { describe, expect, it } from 'vitest';
import { parsePixels, PixelFormatError } from '../../../renderer/src/lib/imaging/pixels.js';
import { fitTransform, imagePointAt, zoomAt } from '../../../renderer/src/lib/imaging/view-transform.js';
import { dragWindow, renderWindow, sampleRange, windowFrom, windowLut } from '../../../renderer/src/lib/imaging/window-level.js';

/** The grey values (R channel) of an RGBA buffer, checking each pixel is grey and opaque. */
function greys(rgba: Uint8ClampedArray): number[] {
  const out: number[] = [];
  for (let i = 0; i < rgba.length; i += 4) {
    expect([rgba[i + 1], rgba[i + 2], rgba[i + 3]]).toEqual([rgba[i], rgba[i], 255]);
    out.push(rgba[i] as number);
  }
  return out;
}

describe('window/level', () => {
  it('shows 8-bit samples unchanged under the full window', () => {
    const samples = Uint8Array.from([0, 1, 64, 128, 254, 255]);
    expect(greys(renderWindow(samples, { low: 0, high: 255 }))).toEqual([0, 1, 64, 128, 254, 255]);
  });

  it('stretches a narrow 8-bit window and clamps outside it', () => {
    const samples = Uint8Array.from([0, 100, 125, 150, 200]);
    expect(greys(renderWindow(samples, { low: 100, high: 150 }))).toEqual([0, 0, 128, 255, 255]);
  });

  it('maps a 16-bit window (a 12-bit device range) to 0..255', () => {
    const samples = Uint16Array.from([0, 100, 2148, 4195, 65535]);
    expect(greys(renderWindow(samples, { low: 100, high: 4195 }))).toEqual([0, 0, 128, 255, 255]);
  });

  it('reuses the output buffer when it fits', () => {
    const out = new Uint8ClampedArray(8);
    expect(renderWindow(Uint8Array.from([1, 2]), { low: 0, high: 255 }, out)).toBe(out);
  });

  it('treats a zero-width window as a threshold', () => {
    const lut = windowLut({ low: 10, high: 10 }, 255);
    expect([lut[9], lut[10], lut[11]]).toEqual([0, 0, 255]);
  });

  it('drags like a radiology viewer: right widens, down lowers the level', () => {
    const range = { min: 0, max: 4095 };
    const start = windowFrom(2000, 1000, range);
    const wider = dragWindow(start, 128, 0, range);
    expect(wider.high - wider.low).toBeCloseTo(1000 + 128 * (4095 / 512));
    const lower = dragWindow(start, 0, 64, range);
    expect((lower.low + lower.high) / 2).toBeLessThan(2000);
    expect(dragWindow(start, -100_000, 0, range).high - dragWindow(start, -100_000, 0, range).low).toBe(1);
  });

  it('finds the sample range of 16-bit data', () => {
    expect(sampleRange(Uint16Array.from([300, 4000, 120]))).toEqual({ min: 120, max: 4000 });
  });
});

describe('parsePixels', () => {
  const headers = (values: Record<string, string>) => ({ get: (name: string) => values[name] ?? null });

  it('reads 8-bit samples with their geometry', () => {
    const image = parsePixels(Uint8Array.from([1, 2, 3, 4, 5, 6]).buffer, headers({ 'x-image-width': '3', 'x-image-height': '2', 'x-image-bit-depth': '8' }));
    expect(image).toMatchObject({ width: 3, height: 2, bitDepth: 8, storedWindow: null });
    expect([...image.samples]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('reads little-endian 16-bit samples and the stored window', () => {
    const bytes = Uint8Array.from([0x34, 0x12, 0xff, 0x0f]); // 0x1234, 0x0fff
    const image = parsePixels(bytes.buffer, headers({ 'x-image-width': '2', 'x-image-height': '1', 'x-image-bit-depth': '16', 'x-window-low': '100', 'x-window-high': '4000' }));
    expect(image.samples).toBeInstanceOf(Uint16Array);
    expect([...image.samples]).toEqual([0x1234, 0x0fff]);
    expect(image.storedWindow).toEqual({ low: 100, high: 4000 });
  });

  it('refuses an answer whose size does not match its geometry', () => {
    expect(() => parsePixels(new ArrayBuffer(5), headers({ 'x-image-width': '3', 'x-image-height': '2', 'x-image-bit-depth': '8' }))).toThrow(PixelFormatError);
    expect(() => parsePixels(new ArrayBuffer(6), headers({ 'x-image-width': '3', 'x-image-height': '2' }))).toThrow(/x-image-bit-depth/);
  });
});

describe('view transform', () => {
  it('fits and centres the image', () => {
    expect(fitTransform(200, 100, 400, 400)).toEqual({ zoom: 2, x: 0, y: 100 });
  });

  it('zooms about the cursor: the image point under it stays put', () => {
    const t = { zoom: 2, x: 0, y: 100 };
    const before = imagePointAt(t, 150, 150, 200, 100);
    const zoomed = zoomAt(t, 1.5, 150, 150);
    expect(zoomed.zoom).toBe(3);
    expect(imagePointAt(zoomed, 150, 150, 200, 100)).toEqual(before);
  });

  it('keeps the zoom within its limits', () => {
    expect(zoomAt({ zoom: 1, x: 0, y: 0 }, 1e6, 0, 0).zoom).toBe(32);
    expect(zoomAt({ zoom: 1, x: 0, y: 0 }, 1e-6, 0, 0).zoom).toBe(0.05);
  });
});
