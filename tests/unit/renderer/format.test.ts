import { describe, expect, it } from 'vitest';
import { formatEta, formatMetric, formatPercent, jobKindLabel } from '../../../renderer/src/lib/format/format.js';

describe('formatEta', () => {
  it('says minutes and seconds like "1 min 20 s left"', () => {
    expect(formatEta(80)).toBe('1 min 20 s left');
    expect(formatEta(45)).toBe('45 s left');
    expect(formatEta(120)).toBe('2 min left');
    expect(formatEta(7500)).toBe('2 h 5 min left');
    expect(formatEta(3600)).toBe('1 h left');
    expect(formatEta(0.2)).toBe('less than a second left');
  });

  it('is empty when the ETA is unknown', () => {
    expect(formatEta(null)).toBe('');
    expect(formatEta(undefined)).toBe('');
    expect(formatEta(Number.NaN)).toBe('');
    expect(formatEta(-1)).toBe('');
  });
});

describe('formatPercent, formatMetric, jobKindLabel', () => {
  it('formats progress fractions as whole percents, clamped', () => {
    expect(formatPercent(0.456)).toBe('46 %');
    expect(formatPercent(1.2)).toBe('100 %');
    expect(formatPercent(Number.NaN)).toBe('0 %');
  });

  it('keeps counts whole and losses to four significant digits', () => {
    expect(formatMetric(1234)).toBe('1,234');
    expect(formatMetric(0.000123456)).toBe('0.0001235');
    expect(formatMetric(2.718281)).toBe('2.718');
  });

  it('names known job kinds and shows unknown ones as they are', () => {
    expect(jobKindLabel('demo.generate')).toBe('Generate demo dataset');
    expect(jobKindLabel('train.dino')).toBe('train.dino');
  });
});
