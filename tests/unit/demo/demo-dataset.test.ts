import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import {
  DEFAULT_DEMO_CONFIG,
  DEMO_BIOMARKERS,
  DemoConfigError,
  loadDemoConfig,
  planDemoDataset,
  validateDemoConfig,
  writeDemoImage,
} from '../../../src-main/demo/demo-dataset.js';
import type { DemoImagePlan } from '../../../src-main/demo/demo-dataset.js';
import { renderSyntheticBscan } from '../../../src-main/demo/synthetic-oct.js';

const plan = planDemoDataset(DEFAULT_DEMO_CONFIG);
const volumeKey = (p: DemoImagePlan): string => `${p.patientCode}/${p.visit}/${p.eye}`;

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), item]);
  return out;
}

describe('DEMO_BIOMARKERS', () => {
  it('uses the OLIVES column names in a fixed order', () => {
    expect(DEMO_BIOMARKERS.map((b) => b.name)).toEqual([
      'Fluid (IRF)',
      'IR HRF',
      'DRT/ME',
      'Disruption of EZ',
      'PED (serous)',
    ]);
  });
});

describe('planDemoDataset', () => {
  it('plans 12 patients x 2 eyes x 2 visits x 9 slices with unique OLIVES-style paths', () => {
    expect(plan).toHaveLength(432);
    expect(new Set(plan.map((p) => p.relativePath)).size).toBe(432);
    for (const p of plan) {
      expect(p.relativePath).toBe(`${p.patientCode}/${p.visit}/${p.eye}/${p.sliceIndex}.png`);
      expect(p.patientCode).toMatch(/^DEMO-\d{3}$/);
      expect(p.spec.width).toBe(504);
      expect(p.spec.height).toBe(496);
      expect(p.spec.eye).toBe(p.eye);
      expect(p.spec.sliceIndex).toBe(p.sliceIndex);
    }
    const patients = groupBy(plan, (p) => p.patientCode);
    expect(patients.size).toBe(12);
    for (const images of patients.values()) {
      expect(new Set(images.map((p) => p.eye))).toEqual(new Set(['OD', 'OS']));
      expect(new Set(images.map((p) => p.visit))).toEqual(new Set(['W0', 'W12']));
    }
    for (const slices of groupBy(plan, volumeKey).values()) {
      expect(slices.map((p) => p.sliceIndex).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    }
  });

  it('is deterministic, and a different seed gives a different cohort', () => {
    expect(planDemoDataset(DEFAULT_DEMO_CONFIG)).toEqual(plan);
    const other = planDemoDataset({ ...DEFAULT_DEMO_CONFIG, seed: 1 });
    expect(other.map((p) => p.labels)).not.toEqual(plan.map((p) => p.labels));
  });

  it('gives every label both classes at a learnable prevalence', () => {
    for (const { name } of DEMO_BIOMARKERS) {
      const positives = plan.filter((p) => p.labels[name] === 1).length;
      expect(positives / plan.length, name).toBeGreaterThanOrEqual(0.2);
      expect(positives / plan.length, name).toBeLessThanOrEqual(0.45);
      for (const p of plan) expect([0, 1]).toContain(p.labels[name]);
    }
  });

  it('has fully healthy patients and puts disease on contiguous runs of slices', () => {
    const healthyPatients = [...groupBy(plan, (p) => p.patientCode).values()].filter((images) =>
      images.every((p) => Object.values(p.labels).every((v) => v === 0)),
    );
    expect(healthyPatients.length).toBeGreaterThanOrEqual(2);
    for (const slices of groupBy(plan, volumeKey).values()) {
      slices.sort((a, b) => a.sliceIndex - b.sliceIndex);
      for (const { key, name } of DEMO_BIOMARKERS) {
        const run = slices.map((p) => p.labels[name]).join('');
        expect(run).toMatch(/^0*1*0*$/);
        for (const p of slices) expect(p.spec.biomarkers?.[key] ?? false).toBe(p.labels[name] === 1);
      }
    }
  });

  it('keeps BCVA and CST constant within a visit, in the OLIVES ranges, and tied to disease', () => {
    const visits = [...groupBy(plan, volumeKey).values()];
    for (const slices of visits) {
      const first = slices[0] as DemoImagePlan;
      for (const p of slices) expect(p.clinical).toEqual(first.clinical);
      expect(Number.isInteger(first.clinical.BCVA)).toBe(true);
      expect(first.clinical.BCVA).toBeGreaterThanOrEqual(41);
      expect(first.clinical.BCVA).toBeLessThanOrEqual(97);
      expect(first.clinical.CST).toBeGreaterThanOrEqual(156);
      expect(first.clinical.CST).toBeLessThanOrEqual(715);
    }
    const has = (slices: DemoImagePlan[], name: string): boolean =>
      slices.some((p) => p.labels[name as 'DRT/ME'] === 1);
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const cst = (withDrt: boolean): number =>
      mean(visits.filter((v) => has(v, 'DRT/ME') === withDrt).map((v) => (v[0] as DemoImagePlan).clinical.CST));
    expect(cst(true)).toBeGreaterThan(cst(false) + 100);
    const bcva = (withFluid: boolean): number =>
      mean(visits.filter((v) => has(v, 'Fluid (IRF)') === withFluid).map((v) => (v[0] as DemoImagePlan).clinical.BCVA));
    expect(bcva(true)).toBeLessThan(bcva(false) - 5);
  });

  it('supports one eye per patient and other sizes', () => {
    const small = planDemoDataset({
      ...DEFAULT_DEMO_CONFIG,
      patients: 3,
      eyesPerPatient: 1,
      visitsPerEye: 3,
      slicesPerVolume: 5,
      width: 128,
      height: 124,
    });
    expect(small).toHaveLength(3 * 1 * 3 * 5);
    expect(new Set(small.map((p) => p.visit))).toEqual(new Set(['W0', 'W12', 'W24']));
    for (const images of groupBy(small, (p) => p.patientCode).values()) {
      expect(new Set(images.map((p) => p.eye)).size).toBe(1);
    }
    expect(small.every((p) => p.spec.width === 128 && p.spec.height === 124)).toBe(true);
  });
});

describe('writeDemoImage', () => {
  it('writes an 8-bit grayscale PNG that decodes to the rendered pixels, leaving no temp file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oct-demo-'));
    try {
      const item = planDemoDataset({ ...DEFAULT_DEMO_CONFIG, patients: 1, width: 128, height: 124 })[4] as DemoImagePlan;
      const { absolutePath, byteSize } = await writeDemoImage(item, dir);
      expect(absolutePath).toBe(path.join(dir, ...item.relativePath.split('/')));
      expect(fs.statSync(absolutePath).size).toBe(byteSize);
      // sharp 0.35 decodes to sRGB unless asked for one channel.
      const { data, info } = await sharp(absolutePath)
        .toColourspace('b-w')
        .raw()
        .toBuffer({ resolveWithObject: true });
      expect(info).toMatchObject({ width: 128, height: 124, channels: 1 });
      expect(await sharp(absolutePath).metadata()).toMatchObject({ format: 'png', channels: 1, depth: 'uchar' });
      // PNG IHDR: bit depth 8, colour type 0 (grayscale).
      const header = fs.readFileSync(absolutePath).subarray(24, 26);
      expect([...header]).toEqual([8, 0]);
      expect(data.equals(Buffer.from(renderSyntheticBscan(item.spec).pixels))).toBe(true);
      expect(fs.readdirSync(path.dirname(absolutePath))).toEqual([path.basename(absolutePath)]);
      // Writing again replaces the file in place.
      await writeDemoImage(item, dir);
      expect(fs.readdirSync(path.dirname(absolutePath))).toEqual([path.basename(absolutePath)]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a path that escapes the dataset folder', async () => {
    const item = { ...(plan[0] as DemoImagePlan), relativePath: '../escape.png' };
    await expect(writeDemoImage(item, os.tmpdir())).rejects.toThrow(/escapes/);
  });
});

describe('demo config', () => {
  it('ships resources/demo/demo-dataset.json equal to the default', async () => {
    expect(await loadDemoConfig()).toEqual(DEFAULT_DEMO_CONFIG);
    expect(Object.isFrozen(DEFAULT_DEMO_CONFIG)).toBe(true);
  });

  it('names the bad field', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oct-demo-config-'));
    try {
      const file = path.join(dir, 'demo.json');
      fs.writeFileSync(file, JSON.stringify({ ...DEFAULT_DEMO_CONFIG, patients: 0 }));
      await expect(loadDemoConfig(file)).rejects.toThrow(/"patients" must be an integer from 1 to 999, got 0/);
      fs.writeFileSync(file, '{ not json');
      await expect(loadDemoConfig(file)).rejects.toThrow(/not valid JSON/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const bad = (patch: Record<string, unknown>): DemoConfigError => {
      try {
        validateDemoConfig({ ...DEFAULT_DEMO_CONFIG, ...patch });
      } catch (err) {
        if (err instanceof DemoConfigError) return err;
        throw err;
      }
      throw new Error('expected a DemoConfigError');
    };
    expect(bad({ eyesPerPatient: 3 }).field).toBe('eyesPerPatient');
    expect(bad({ width: '504' }).field).toBe('width');
    expect(bad({ seed: 1.5 }).field).toBe('seed');
    expect(bad({ slices: 9 }).message).toMatch(/unknown field "slices"/);
    expect(bad({ description: 3 }).field).toBe('description');
    expect(() => validateDemoConfig(null)).toThrow(DemoConfigError);
    expect(validateDemoConfig({ ...DEFAULT_DEMO_CONFIG, description: 'x' })).toEqual(DEFAULT_DEMO_CONFIG);
  });
});
