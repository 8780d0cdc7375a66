import { describe, expect, it } from 'vitest';
import type { GrayImage16 } from '../../../src-main/imaging/gray-image.js';
import { robustWindow, toEightBit } from '../../../src-main/imaging/to-8bit.js';
import { bscan8, rng } from './fixtures.js';

function image16(data: Uint16Array, width = data.length, height = 1): GrayImage16 {
  return { width, height, bitDepth: 16, data };
}

describe('toEightBit', () => {
  it('passes 8-bit data through untouched, with the identity window', () => {
    const data = bscan8(16, 8);
    const out = toEightBit({ width: 16, height: 8, bitDepth: 8, data });
    expect(out.data).toBe(data);
    expect(out.window).toEqual({ low: 0, high: 255 });
  });

  it('stretches 12-bit data sitting in a 16-bit container to the full 8-bit range', () => {
    const data = new Uint16Array(4096);
    for (let i = 0; i < data.length; i++) data[i] = i; // uniform 0..4095
    const { data: out, window } = toEightBit(image16(data));
    // 0.5% of 4096 samples clip at each end.
    expect(window.low).toBe(20);
    expect(window.high).toBe(4075);
    expect(out[0]).toBe(0);
    expect(out[4095]).toBe(255);
    expect(out[2048]).toBe(Math.round(((2048 - 20) * 255) / (4075 - 20)));
  });

  it('ignores a few saturated speckles (they would squash a min/max stretch)', () => {
    const random = rng(7);
    const data = new Uint16Array(100_000);
    for (let i = 0; i < data.length; i++) data[i] = 1000 + Math.floor(random() * 2000);
    for (let i = 0; i < 100; i++) data[i * 997] = 65_535; // 0.1% hot pixels
    const { window } = toEightBit(image16(data));
    expect(window.low).toBeGreaterThanOrEqual(1000);
    expect(window.low).toBeLessThan(1030);
    expect(window.high).toBeLessThanOrEqual(3000);
    expect(window.high).toBeGreaterThan(2970);
  });

  it('matches the documented formula on every pixel, and is monotonic', () => {
    const random = rng(3);
    const data = new Uint16Array(50_000);
    for (let i = 0; i < data.length; i++) data[i] = Math.floor(random() ** 2 * 65_535);
    const { data: out, window } = toEightBit(image16(data));
    const { low, high } = window;
    for (let i = 0; i < data.length; i++) {
      const v = Math.min(Math.max(data[i]!, low), high);
      expect(out[i]).toBe(Math.round(((v - low) * 255) / (high - low)));
    }
  });

  it('a flat image gets a one-step window and no NaN', () => {
    const { data, window } = toEightBit(image16(new Uint16Array(100).fill(500)));
    expect(window).toEqual({ low: 500, high: 501 });
    expect(Array.from(new Set(data))).toEqual([0]);
    expect(robustWindow(new Uint16Array(10).fill(65_535))).toEqual({ low: 65_534, high: 65_535 });
  });
});
