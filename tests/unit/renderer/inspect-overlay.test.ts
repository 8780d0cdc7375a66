import { describe, expect, it } from 'vitest';
import { keepMass as coreKeepMass } from '../../../src-main/ml/inspect/attention.js';
import { colourOf, colourTable, keepMass, keptFraction, overlayRgba, upsample } from '../../../renderer/src/lib/inspect/attention-overlay.js';

/** A seeded generator (mulberry32) so the random maps are the same on every run. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('keepMass (the renderer port of the reference threshold)', () => {
  it('keeps the largest patches until they hold the share of the mass', () => {
    // Sorted ascending: 0.1, 0.2, 0.3, 0.4 → cumulative 0.1, 0.3, 0.6, 1.0; keep where > 0.4.
    expect([...keepMass([0.4, 0.1, 0.3, 0.2], 0.6)]).toEqual([1, 0, 1, 0]);
    expect([...keepMass([0.4, 0.1, 0.3, 0.2], 1)]).toEqual([1, 1, 1, 1]);
    expect([...keepMass([0.4, 0.1, 0.3, 0.2], 0)]).toEqual([0, 0, 0, 0]);
    // The exact boundary (0.1 + 0.2 + 0.3 = 0.6000000000000001) falls on the reference's side.
    expect([...keepMass([0.1, 0.2, 0.3, 0.4], 0.4)]).toEqual([0, 0, 0, 1]);
  });

  it('uses 0.6 by default, refuses shares outside [0, 1] and keeps nothing of an all-zero map', () => {
    expect([...keepMass([0.4, 0.1, 0.3, 0.2])]).toEqual([1, 0, 1, 0]);
    expect(() => keepMass([1], 1.5)).toThrow(RangeError);
    expect(() => keepMass([1], Number.NaN)).toThrow(RangeError);
    expect([...keepMass([0, 0, 0], 0.6)]).toEqual([0, 0, 0]);
  });

  it('agrees with the core on random maps and shares', () => {
    const r = rng(7);
    for (let k = 0; k < 50; k++) {
      const map = Array.from({ length: 64 }, () => r() ** 3);
      const share = Math.round(r() * 20) / 20;
      expect([...keepMass(map, share)]).toEqual([...coreKeepMass(map, share)]);
    }
  });

  it('says what fraction of the patches is kept', () => {
    expect(keptFraction([0.4, 0.1, 0.3, 0.2], 0.6)).toBe(0.5);
    expect(keptFraction([], 0.6)).toBe(0);
  });
});

describe('bilinear upsampling from patch centres', () => {
  it('puts each patch value at its centre and interpolates between centres, clamped at the borders', () => {
    // A 1×2 grid over 4 pixels: centres at x = 0.5 and 2.5 (pixel centres 0.5, 1.5, 2.5, 3.5).
    const out = upsample([0, 1], 1, 2, 4, 1);
    expect([...out]).toEqual([0, 0.25, 0.75, 1]);
    // The same size is the identity.
    expect([...upsample([1, 2, 3, 4], 2, 2, 2, 2)]).toEqual([1, 2, 3, 4]);
  });

  it('interpolates in both directions and keeps a constant map constant', () => {
    const out = upsample([0, 1, 2, 3], 2, 2, 4, 4);
    expect(out[1 * 4 + 1]).toBeCloseTo(0.75); // (1.5,1.5) → gx=gy=0.25: 0.25·1 + 0.25·2
    expect([...upsample([5, 5, 5, 5, 5, 5], 2, 3, 7, 5)].every((v) => Math.abs(v - 5) < 1e-6)).toBe(true);
    expect(() => upsample([1, 2, 3], 2, 2, 4, 4)).toThrow(RangeError);
  });
});

describe('colour maps', () => {
  it('runs from the map’s first to its last anchor, clamped', () => {
    expect(colourOf('inferno', 0)).toEqual([0, 0, 4]);
    expect(colourOf('inferno', 1)).toEqual([252, 255, 164]);
    expect(colourOf('viridis', -3)).toEqual([68, 1, 84]);
    expect(colourOf('jet', 2)).toEqual([128, 0, 0]);
    expect(colourOf('viridis', 0.125)).toEqual([63.5, 41.5, 111.5]); // halfway between the first two anchors
    expect(colourOf('jet', Number.NaN)).toEqual([0, 0, 131]);
  });

  it('tabulates 256 colours', () => {
    const lut = colourTable('jet');
    expect(lut.length).toBe(768);
    expect([...lut.slice(0, 3)]).toEqual([0, 0, 131]);
    expect([...lut.slice(765)]).toEqual([128, 0, 0]);
  });
});

describe('the overlay layer', () => {
  const map = [0.1, 0.2, 0.3, 0.4];

  it('colours by the map’s own range and shows everything at the opacity without a threshold', () => {
    const rgba = overlayRgba(map, [2, 2], 2, 2, { threshold: null, opacity: 0.5, colourMap: 'inferno' });
    expect([...rgba.slice(0, 4)]).toEqual([0, 0, 4, 128]); // the minimum patch: the map's first colour
    expect([...rgba.slice(12, 16)]).toEqual([252, 255, 164, 128]); // the maximum: its last
  });

  it('hides the patches outside the mass threshold, and the colour map changes the pixels', () => {
    const kept = overlayRgba(map, [2, 2], 2, 2, { threshold: 0.6, opacity: 1, colourMap: 'inferno' });
    expect([3, 7, 11, 15].map((i) => kept[i])).toEqual([0, 0, 255, 255]);
    const jet = overlayRgba(map, [2, 2], 2, 2, { threshold: 0.6, opacity: 1, colourMap: 'jet' });
    expect([...jet.slice(12, 15)]).toEqual([128, 0, 0]);
  });

  it('draws at the scan’s resolution (not the grid’s)', () => {
    expect(overlayRgba(map, [2, 2], 64, 62, { threshold: 0.6, opacity: 0.5, colourMap: 'viridis' }).length).toBe(64 * 62 * 4);
  });
});
