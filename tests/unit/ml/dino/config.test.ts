import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DINO_CONFIG,
  DINO_CONFIG_HINTS,
  DinoConfigError,
  REFERENCE_DINO_CONFIG,
  cropCount,
  effectiveLr,
  makeDinoConfig,
  validateDinoConfig,
} from '../../../../src-main/ml/dino/config.js';

describe('DinoConfig', () => {
  it('has the reference defaults where the product does not deviate', () => {
    expect(DEFAULT_DINO_CONFIG).toMatchObject({
      normLastLayer: true,
      momentumTeacher: 0.996,
      warmupTeacherTemp: 0.04,
      teacherTemp: 0.04,
      warmupTeacherTempEpochs: 0,
      studentTemp: 0.1,
      centerMomentum: 0.9,
      weightDecay: 0.04,
      weightDecayEnd: 0.4,
      clipGrad: 3,
      freezeLastLayer: 1,
      lr: 0.0005,
      warmupEpochs: 10,
      minLr: 1e-6,
      dropPathRate: 0.1,
      globalCropsScale: [0.4, 1],
      localCropsScale: [0.05, 0.4],
    });
    expect(REFERENCE_DINO_CONFIG).toMatchObject({ outDim: 65536, localCropsNumber: 8, globalCropSize: 224, localCropSize: 96 });
    expect(DEFAULT_DINO_CONFIG.outDim).toBe(4096);
  });

  it('is frozen, including the crop-scale pairs', () => {
    expect(Object.isFrozen(DEFAULT_DINO_CONFIG)).toBe(true);
    expect(Object.isFrozen(DEFAULT_DINO_CONFIG.globalCropsScale)).toBe(true);
    expect(Object.isFrozen(makeDinoConfig({ outDim: 8 }))).toBe(true);
  });

  it('has a one-line tuning hint for every field', () => {
    for (const key of Object.keys(DEFAULT_DINO_CONFIG)) {
      const hint = DINO_CONFIG_HINTS[key as keyof typeof DINO_CONFIG_HINTS];
      expect(hint, key).toBeTruthy();
      expect(hint).not.toContain('\n');
    }
  });

  it('scales the learning rate linearly with the batch size', () => {
    expect(effectiveLr(makeDinoConfig({ batchSize: 256 }))).toBe(0.0005);
    expect(effectiveLr(makeDinoConfig({ batchSize: 32 }))).toBeCloseTo(0.0000625, 15);
    expect(cropCount(DEFAULT_DINO_CONFIG)).toBe(6);
  });

  it('lists every problem in one typed error', () => {
    try {
      validateDinoConfig({ ...DEFAULT_DINO_CONFIG, outDim: 0, teacherTemp: 0, localCropsScale: [0.5, 0.2], warmupEpochs: 200 });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(DinoConfigError);
      const issues = (err as DinoConfigError).issues.join('\n');
      expect(issues).toMatch(/outDim/);
      expect(issues).toMatch(/teacherTemp/);
      expect(issues).toMatch(/localCropsScale/);
      expect(issues).toMatch(/warmupEpochs/);
    }
  });
});
