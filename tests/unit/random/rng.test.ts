import { describe, it, expect } from 'vitest';
import { createRng } from '../../../src-main/random/rng.js';

const draw = (seed: number | string, n = 100): number[] => {
  const r = createRng(seed);
  return Array.from({ length: n }, () => r.next());
};

describe('createRng', () => {
  it('repeats the same sequence for the same seed', () => {
    expect(draw(42)).toEqual(draw(42));
    expect(draw('DEMO-001/W0/OD')).toEqual(draw('DEMO-001/W0/OD'));
  });

  it('gives different sequences for different seeds, including large and negative ones', () => {
    const seqs = [0, 1, 2, -1, 2 ** 40, 2 ** 40 + 1].map((s) => draw(s, 8).join());
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it('rejects non-integer seeds instead of silently truncating them', () => {
    expect(() => createRng(1.5)).toThrow(/safe integer/);
    expect(() => createRng(Number.NaN)).toThrow(/safe integer/);
  });

  it('draws uniforms in [0, 1) with the right mean', () => {
    const xs = draw(7, 20000);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean).toBeCloseTo(0.5, 1);
  });

  it('int covers both ends of an inclusive range and nothing outside', () => {
    const r = createRng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(r.int(-2, 2));
    expect([...seen].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2]);
    expect(() => r.int(3, 1)).toThrow(RangeError);
  });

  it('normal has mean about 0 and standard deviation about 1', () => {
    const r = createRng(11);
    const xs = Array.from({ length: 20000 }, () => r.normal());
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(sd).toBeGreaterThan(0.97);
    expect(sd).toBeLessThan(1.03);
    expect(createRng(5).normal(100, 0)).toBe(100);
  });

  it('pick returns list members and refuses an empty list', () => {
    const r = createRng(9);
    for (let i = 0; i < 50; i++) expect(['a', 'b', 'c']).toContain(r.pick(['a', 'b', 'c']));
    expect(() => r.pick([])).toThrow(RangeError);
  });
});

describe('Rng.fork', () => {
  it('is a pure function of the parent seed and label, not of the parent position', () => {
    const fresh = createRng(99);
    const used = createRng(99);
    for (let i = 0; i < 1000; i++) used.next();
    expect(draw(fresh.fork('image:7').seed)).toEqual(draw(used.fork('image:7').seed));
  });

  it('does not advance the parent stream', () => {
    const a = createRng(5);
    const b = createRng(5);
    a.fork('x');
    a.fork('y');
    expect(a.next()).toBe(b.next());
  });

  it('gives independent streams for different labels and parents', () => {
    const root = createRng(20221);
    const streams = ['a', 'b', 'image:1', 'image:2', 1, 2].map((l) => root.fork(l).next());
    expect(new Set(streams).size).toBe(streams.length);
    expect(createRng(1).fork('a').next()).not.toBe(createRng(2).fork('a').next());
    // Forked streams are uncorrelated with each other.
    const x = root.fork('left');
    const y = root.fork('right');
    const n = 5000;
    let sxy = 0;
    for (let i = 0; i < n; i++) sxy += (x.next() - 0.5) * (y.next() - 0.5);
    expect(Math.abs(sxy / n) / (1 / 12)).toBeLessThan(0.05);
  });

  it('can be chained and restarted from its seed', () => {
    const child = createRng(1).fork('p').fork('q');
    const again = createRng(1).fork('p').fork('q');
    expect(child.seed).toBe(again.seed);
    expect(draw(child.seed, 5)).toEqual(Array.from({ length: 5 }, () => again.next()));
  });
});
