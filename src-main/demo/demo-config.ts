/**
 * Size and seed of the built-in demo dataset: a typed, frozen config with a default, read from
 * `resources/demo/demo-dataset.json` and validated field by field.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface DemoConfig {
  /** Everything (anatomy, disease, speckle) derives from it; change it for a different cohort. */
  readonly seed: number;
  /** Number of patients; at least 8 so patient-disjoint splits keep positives in each part. */
  readonly patients: number;
  /** 2 gives fellow eyes (often one healthy); 1 picks one eye per patient. */
  readonly eyesPerPatient: 1 | 2;
  /** Visits per eye, 12 weeks apart (W0, W12, ...); later visits show treatment response. */
  readonly visitsPerEye: number;
  /** B-scans per volume; OLIVES has 49, 9 keeps the demo small. Odd counts centre the fovea. */
  readonly slicesPerVolume: number;
  /** Image width in pixels; 504 matches OLIVES. Smaller sizes render faster for tests. */
  readonly width: number;
  /** Image height in pixels; 496 matches OLIVES. */
  readonly height: number;
}

/** 12 patients x 2 eyes x 2 visits x 9 slices = 432 images of 504 x 496. */
export const DEFAULT_DEMO_CONFIG: DemoConfig = Object.freeze({
  seed: 20221,
  patients: 12,
  eyesPerPatient: 2,
  visitsPerEye: 2,
  slicesPerVolume: 9,
  width: 504,
  height: 496,
});

export const DEMO_CONFIG_RELATIVE_PATH = 'resources/demo/demo-dataset.json';

/** A bad demo config; `field` names the offending key. */
export class DemoConfigError extends Error {
  override readonly name = 'DemoConfigError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** Inclusive integer bounds per numeric field. */
const LIMITS: Record<Exclude<keyof DemoConfig, 'seed' | 'eyesPerPatient'>, [number, number]> = {
  patients: [1, 999],
  visitsPerEye: [1, 20],
  slicesPerVolume: [1, 128],
  width: [32, 2048],
  height: [32, 2048],
};

const ALLOWED_KEYS = new Set(['description', 'seed', 'eyesPerPatient', ...Object.keys(LIMITS)]);

/** Checks an untrusted value (parsed JSON) and returns a frozen config. */
export function validateDemoConfig(raw: unknown, source = 'demo config'): DemoConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new DemoConfigError('', `${source}: expected a JSON object`);
  }
  const obj = raw as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!ALLOWED_KEYS.has(key)) {
      throw new DemoConfigError(key, `${source}: unknown field "${key}"`);
    }
  }
  const int = (field: string, lo: number, hi: number): number => {
    const v = obj[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
      throw new DemoConfigError(
        field,
        `${source}: "${field}" must be an integer from ${lo} to ${hi}, got ${JSON.stringify(v)}`,
      );
    }
    return v;
  };
  const seed = int('seed', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  const patients = int('patients', ...LIMITS.patients);
  const config: DemoConfig = {
    seed,
    patients,
    eyesPerPatient: int('eyesPerPatient', 1, 2) === 1 ? 1 : 2,
    visitsPerEye: int('visitsPerEye', ...LIMITS.visitsPerEye),
    slicesPerVolume: int('slicesPerVolume', ...LIMITS.slicesPerVolume),
    width: int('width', ...LIMITS.width),
    height: int('height', ...LIMITS.height),
  };
  if (obj.description !== undefined && typeof obj.description !== 'string') {
    throw new DemoConfigError('description', `${source}: "description" must be a string`);
  }
  return Object.freeze(config);
}

/** Finds the shipped config by walking up from this module (works from src-main and dist). */
function findDefaultConfigPath(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, DEMO_CONFIG_RELATIVE_PATH);
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new DemoConfigError(
    '',
    `Demo config ${DEMO_CONFIG_RELATIVE_PATH} not found above ${fileURLToPath(import.meta.url)}`,
  );
}

/** Reads and validates the demo config; `filePath` defaults to the shipped resource. */
export async function loadDemoConfig(filePath: string = findDefaultConfigPath()): Promise<DemoConfig> {
  const text = await readFile(filePath, 'utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new DemoConfigError('', `${filePath}: not valid JSON (${(err as Error).message})`);
  }
  return validateDemoConfig(raw, filePath);
}
