/** Downstream views: shapes, OCT normalisation, reproducibility, horizontal flip only. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Tf } from '../../../../src-main/ml/engine/index.js';
import { OCT_MEAN, OCT_STD } from '../../../../src-main/ml/augment/photometric.js';
import { evalViews, trainViews } from '../../../../src-main/ml/finetune/views.js';
import { createRng } from '../../../../src-main/random/rng.js';
import { cpuTf } from '../dino/tf-cpu.js';

let tf: Tf;
beforeAll(async () => {
  tf = await cpuTf();
});

const SIZE = 32;
/** `count` records of side SIZE, pixel value from f(record, row, col). */
function records(count: number, f: (i: number, r: number, c: number) => number): Uint8Array {
  const out = new Uint8Array(count * SIZE * SIZE);
  for (let i = 0; i < count; i++) for (let r = 0; r < SIZE; r++) for (let c = 0; c < SIZE; c++) out[(i * SIZE + r) * SIZE + c] = f(i, r, c);
  return out;
}
const OPTS = { inputSize: 16, cropScale: [0.5, 1] as const };

describe('evalViews', () => {
  it('of a constant record is (v/255 − OCT_MEAN)/OCT_STD everywhere, at any input size', () => {
    const values = [0, 37, 200, 255];
    const recs = records(values.length, (i) => values[i]!);
    for (const inputSize of [16, 24, SIZE]) {
      const x = evalViews(tf, recs, SIZE, inputSize);
      expect(x.shape).toEqual([values.length, inputSize, inputSize, 1]);
      const data = x.dataSync();
      values.forEach((v, i) => {
        const want = (v / 255 - OCT_MEAN) / OCT_STD;
        for (let p = 0; p < inputSize * inputSize; p++) expect(Math.abs(data[i * inputSize * inputSize + p]! - want)).toBeLessThan(1e-5);
      });
      x.dispose();
    }
  });

  it('at input size == record size is the record itself, normalised pixel for pixel', () => {
    const recs = records(2, (i, r, c) => (i * 91 + r * 7 + c * 13) % 256);
    const x = evalViews(tf, recs, SIZE, SIZE);
    const data = x.dataSync();
    recs.forEach((v, k) => expect(Math.abs(data[k]! - (v / 255 - OCT_MEAN) / OCT_STD)).toBeLessThan(1e-5));
    x.dispose();
  });

  it('downsampling keeps the layout (no flip): a top-white record stays top-white', () => {
    const recs = records(1, (_, r) => (r < SIZE / 2 ? 255 : 0));
    const x = evalViews(tf, recs, SIZE, 16);
    const d = x.dataSync();
    const white = (1 - OCT_MEAN) / OCT_STD;
    const black = -OCT_MEAN / OCT_STD;
    expect(d[0]).toBeCloseTo(white, 4);
    expect(d[15 * 16]).toBeCloseTo(black, 4);
    x.dispose();
  });

  it('refuses bytes that are not whole records and leaks nothing', () => {
    expect(() => evalViews(tf, new Uint8Array(SIZE * SIZE + 1), SIZE, 16)).toThrow(/whole number/);
    const before = tf.memory().numTensors;
    evalViews(tf, records(2, () => 9), SIZE, 16).dispose();
    trainViews(tf, records(2, () => 9), SIZE, createRng(0), OPTS).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('trainViews', () => {
  it('has shape [B, inputSize, inputSize, 1] and is reproducible from the rng (and differs for another seed)', () => {
    const recs = records(4, (i, r, c) => (i * 50 + r * 5 + c * 3) % 256);
    const a = trainViews(tf, recs, SIZE, createRng(7).fork('v'), OPTS);
    const b = trainViews(tf, recs, SIZE, createRng(7).fork('v'), OPTS);
    const c = trainViews(tf, recs, SIZE, createRng(8).fork('v'), OPTS);
    expect(a.shape).toEqual([4, 16, 16, 1]);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    expect(Array.from(a.dataSync())).not.toEqual(Array.from(c.dataSync()));
    tf.dispose([a, b, c]);
  });

  it('with no crop, flip or jitter equals the evaluation view', () => {
    const recs = records(2, (i, r, c) => (i * 60 + r * 3 + c * 5) % 256);
    const t = trainViews(tf, recs, SIZE, createRng(1), { ...OPTS, cropScale: [1, 1], flipP: 0, jitterP: 0 });
    const e = evalViews(tf, recs, SIZE, 16);
    const [td, ed] = [t.dataSync(), e.dataSync()];
    ed.forEach((v, i) => expect(Math.abs(td[i]! - v)).toBeLessThan(1e-4));
    tf.dispose([t, e]);
  });

  it('never flips vertically: a top-white / bottom-black scan keeps its top row brighter in every view', () => {
    const n = 48;
    const recs = records(n, (_, r) => (r < SIZE / 2 ? 255 : 0));
    const x = trainViews(tf, recs, SIZE, createRng(3), OPTS);
    const d = x.dataSync();
    const S = OPTS.inputSize;
    const rowMean = (i: number, r: number): number => {
      let s = 0;
      for (let c = 0; c < S; c++) s += d[(i * S + r) * S + c]!;
      return s / S;
    };
    for (let i = 0; i < n; i++) expect(rowMean(i, 0), `view ${i}`).toBeGreaterThan(rowMean(i, S - 1) + 0.5);
    x.dispose();
  });

  it('does flip horizontally: a left-white scan appears both ways round', () => {
    const n = 32;
    const recs = records(n, (_, __, c) => (c < SIZE / 2 ? 255 : 0));
    const x = trainViews(tf, recs, SIZE, createRng(5), { ...OPTS, jitterP: 0 });
    const d = x.dataSync();
    const S = OPTS.inputSize;
    let leftBrighter = 0;
    for (let i = 0; i < n; i++) if (d[i * S * S]! > d[i * S * S + S - 1]!) leftBrighter++;
    expect(leftBrighter).toBeGreaterThan(4);
    expect(leftBrighter).toBeLessThan(n - 4);
    x.dispose();
  });
});
