/**
 * The built-in demo dataset: a deterministic cohort of synthetic patients, eyes and visits,
 * with OLIVES-style biomarker labels and clinical values, and a writer for its PNG files.
 *
 * Disease is decided per patient-eye-visit, as in a real trial: a diseased eye shows each of
 * its biomarkers on a contiguous run of central slices (lesions sit around the fovea), lesions
 * shrink at later visits (treatment response), and BCVA and CST are one value per visit.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { createRng } from '../random/rng.js';
import type { Rng } from '../random/rng.js';
import { describeBscanLayers, renderSyntheticBscan } from './synthetic-oct.js';
import type { BiomarkerFlags, BscanSpec, Eye, RetinaAnatomy } from './synthetic-oct.js';
import type { DemoConfig } from './demo-config.js';

export {
  DEFAULT_DEMO_CONFIG,
  DEMO_CONFIG_RELATIVE_PATH,
  DemoConfigError,
  loadDemoConfig,
  validateDemoConfig,
} from './demo-config.js';
export type { DemoConfig } from './demo-config.js';

/** Demo biomarkers in label-column order; names match the OLIVES CSV headers. */
export const DEMO_BIOMARKERS = Object.freeze([
  { key: 'irf', name: 'Fluid (IRF)' },
  { key: 'irhrf', name: 'IR HRF' },
  { key: 'drtme', name: 'DRT/ME' },
  { key: 'ezDisruption', name: 'Disruption of EZ' },
  { key: 'ped', name: 'PED (serous)' },
] as const) satisfies readonly { key: keyof BiomarkerFlags; name: string }[];

export type DemoBiomarkerKey = (typeof DEMO_BIOMARKERS)[number]['key'];
export type DemoBiomarkerName = (typeof DEMO_BIOMARKERS)[number]['name'];

export interface DemoImagePlan {
  /** e.g. `DEMO-001`. */
  patientCode: string;
  eye: Eye;
  /** e.g. `W0`, `W12`: weeks since baseline, as in OLIVES Prime. */
  visit: string;
  /** 0-based slice index within the volume. */
  sliceIndex: number;
  /** `DEMO-001/W0/OD/3.png`, forward slashes, relative to the dataset root. */
  relativePath: string;
  labels: Record<DemoBiomarkerName, 0 | 1>;
  /** BCVA in ETDRS letters, CST in µm; the same for every slice of a visit. */
  clinical: { BCVA: number; CST: number };
  /** What `renderSyntheticBscan` draws; size always set. */
  spec: BscanSpec & { width: number; height: number };
}

/** How each biomarker behaves in the cohort; tuned for 20-45 % prevalence per label. */
const DISEASE: Record<DemoBiomarkerKey, { eyeChance: number; minSeverity: number; extent: number }> = {
  irf: { eyeChance: 0.75, minSeverity: 0.3, extent: 0.8 },
  irhrf: { eyeChance: 0.7, minSeverity: 0.2, extent: 0.9 },
  drtme: { eyeChance: 0.65, minSeverity: 0.3, extent: 0.85 },
  ezDisruption: { eyeChance: 0.7, minSeverity: 0.2, extent: 0.85 },
  ped: { eyeChance: 0.65, minSeverity: 0.2, extent: 0.85 },
};
/** Fraction of patients with no disease in either eye. */
const HEALTHY_PATIENT_FRACTION = 0.25;
/** Chance that a diabetic patient's eye is involved at all (fellow eyes are often dry). */
const EYE_INVOLVED_CHANCE = 0.9;
const WEEKS_BETWEEN_VISITS = 12;
const BCVA_RANGE: [number, number] = [41, 97];
const CST_RANGE: [number, number] = [156, 715];

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

function drawAnatomy(r: Rng): RetinaAnatomy {
  return {
    thicknessPx: clamp(r.normal(86, 3), 78, 94),
    tilt: r.range(-0.05, 0.05),
    curvaturePx: r.range(6, 24),
    brightness: r.range(0.85, 1.15),
    rpeDepth: r.range(0.47, 0.55),
    foveaOffsetPx: r.range(-20, 20),
    pitDepth: r.range(0.75, 0.92),
    pitWidthPx: r.range(45, 65),
    choroidPx: r.range(50, 90),
  };
}

/** Picks exactly round(fraction x n) healthy patients (at least one when n >= 2). */
function chooseHealthy(r: Rng, n: number): Set<number> {
  const count = n >= 2 ? Math.max(1, Math.round(HEALTHY_PATIENT_FRACTION * n)) : 0;
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = r.int(0, i);
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return new Set(order.slice(0, count));
}

/** Severity at each visit: baseline, then a mostly improving course under treatment. */
function severityCourse(r: Rng, visits: number): number[] {
  const course = [r.range(0.45, 1)];
  for (let v = 1; v < visits; v++) {
    course.push(clamp((course[v - 1] as number) * r.range(0.5, 1.15), 0, 1));
  }
  return course;
}

/** Inclusive slice range of one biomarker in one volume, or null when absent. */
type SliceRun = { first: number; last: number } | null;

function planRuns(r: Rng, eyeHas: Set<DemoBiomarkerKey>, severity: number, n: number): Map<DemoBiomarkerKey, SliceRun> {
  const runs = new Map<DemoBiomarkerKey, SliceRun>();
  const centre = (n - 1) / 2;
  for (const { key } of DEMO_BIOMARKERS) {
    const d = DISEASE[key];
    if (!eyeHas.has(key) || severity < d.minSeverity) {
      runs.set(key, null);
      continue;
    }
    const half = Math.round(severity * d.extent * centre);
    const mid = Math.round(centre) + (n >= 5 ? r.int(-1, 1) : 0);
    runs.set(key, { first: Math.max(0, mid - half), last: Math.min(n - 1, mid + half) });
  }
  return runs;
}

/** Best-corrected visual acuity: lower with central fluid, thickening and EZ loss. */
function bcvaLetters(base: number, flags: BiomarkerFlags, severity: number, r: Rng): number {
  let letters = base + r.normal(0, 2);
  if (flags.drtme) letters -= 14 * severity;
  if (flags.irf) letters -= 9 * severity;
  if (flags.ezDisruption) letters -= 8;
  if (flags.ped) letters -= 4;
  if (flags.irhrf) letters -= 2;
  return Math.round(clamp(letters, ...BCVA_RANGE));
}

/** The full dataset plan; a pure function of the config. */
export function planDemoDataset(config: DemoConfig): DemoImagePlan[] {
  const root = createRng(config.seed);
  const healthy = chooseHealthy(root.fork('healthy'), config.patients);
  const n = config.slicesPerVolume;
  const centre = (n - 1) / 2;
  const plans: DemoImagePlan[] = [];

  for (let p = 0; p < config.patients; p++) {
    const pr = root.fork(`patient:${p}`);
    const patientCode = `DEMO-${String(p + 1).padStart(3, '0')}`;
    const anatomy = drawAnatomy(pr.fork('anatomy'));
    const baseBcva = pr.normal(88, 4);
    const eyes: Eye[] = config.eyesPerPatient === 2 ? ['OD', 'OS'] : [pr.pick(['OD', 'OS'] as const)];

    for (const eye of eyes) {
      const er = pr.fork(`eye:${eye}`);
      const eyeAnatomy = { ...anatomy, foveaOffsetPx: anatomy.foveaOffsetPx + er.range(-6, 6) };
      const eyeHas = new Set<DemoBiomarkerKey>();
      if (!healthy.has(p) && er.chance(EYE_INVOLVED_CHANCE)) {
        for (const { key } of DEMO_BIOMARKERS) if (er.chance(DISEASE[key].eyeChance)) eyeHas.add(key);
        if (eyeHas.size === 0) eyeHas.add(er.pick(DEMO_BIOMARKERS).key);
      }
      const course = severityCourse(er.fork('course'), config.visitsPerEye);

      for (let v = 0; v < config.visitsPerEye; v++) {
        const vr = er.fork(`visit:${v}`);
        const visit = `W${v * WEEKS_BETWEEN_VISITS}`;
        const severity = course[v] as number;
        const runs = planRuns(vr.fork('runs'), eyeHas, severity, n);
        const volumeSeed = vr.fork('volume').seed;
        // Each scan session differs a little in alignment and signal strength.
        const visitAnatomy: RetinaAnatomy = {
          ...eyeAnatomy,
          tilt: eyeAnatomy.tilt + vr.range(-0.01, 0.01),
          brightness: eyeAnatomy.brightness * vr.range(0.95, 1.05),
        };
        const specs: DemoImagePlan['spec'][] = [];
        for (let k = 0; k < n; k++) {
          const flags = {} as BiomarkerFlags;
          for (const { key } of DEMO_BIOMARKERS) {
            const run = runs.get(key);
            flags[key] = run != null && k >= run.first && k <= run.last;
          }
          const falloff = centre > 0 ? Math.abs(k - centre) / centre : 0;
          specs.push({
            width: config.width,
            height: config.height,
            seed: vr.fork(`slice:${k}`).seed,
            volumeSeed,
            sliceIndex: k,
            slicesPerVolume: n,
            eye,
            anatomy: visitAnatomy,
            biomarkers: flags,
            severity: clamp(severity * (1 - 0.35 * falloff), 0.3, 1),
          });
        }
        // Clinical values come from the central B-scan, as a macular thickness map would.
        const central = specs[Math.round(centre)] as DemoImagePlan['spec'];
        const visitFlags = {} as BiomarkerFlags;
        for (const { key } of DEMO_BIOMARKERS) visitFlags[key] = runs.get(key) != null;
        const clinical = {
          BCVA: bcvaLetters(baseBcva, visitFlags, severity, vr.fork('bcva')),
          CST: Math.round(clamp(describeBscanLayers(central).cstUm, ...CST_RANGE)),
        };
        for (const spec of specs) {
          const flags = spec.biomarkers as BiomarkerFlags;
          const labels = {} as Record<DemoBiomarkerName, 0 | 1>;
          for (const { key, name } of DEMO_BIOMARKERS) labels[name] = flags[key] ? 1 : 0;
          plans.push({
            patientCode,
            eye,
            visit,
            sliceIndex: spec.sliceIndex,
            relativePath: `${patientCode}/${visit}/${eye}/${spec.sliceIndex}.png`,
            labels,
            clinical,
            spec,
          });
        }
      }
    }
  }
  return plans;
}

/**
 * Renders one planned image and writes it as an 8-bit grayscale PNG. The PNG goes to a temp
 * file first and is renamed into place, so a killed process never leaves a truncated image
 * under the final name (an importer would otherwise read it as corrupt data).
 */
export async function writeDemoImage(
  plan: DemoImagePlan,
  rootDir: string,
): Promise<{ absolutePath: string; byteSize: number }> {
  const root = path.resolve(rootDir);
  const absolutePath = path.resolve(root, ...plan.relativePath.split('/'));
  if (!absolutePath.startsWith(root + path.sep)) {
    throw new Error(`Demo image path ${plan.relativePath} escapes the dataset folder ${root}`);
  }
  const image = renderSyntheticBscan(plan.spec);
  // Without toColourspace('b-w') sharp 0.35 writes one-channel raw input as an RGB PNG.
  const png = await sharp(image.pixels, {
    raw: { width: image.width, height: image.height, channels: 1 },
  })
    .toColourspace('b-w')
    .png()
    .toBuffer();
  await mkdir(path.dirname(absolutePath), { recursive: true });
  const tmp = `${absolutePath}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, png);
    await rename(tmp, absolutePath);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return { absolutePath, byteSize: png.length };
}
