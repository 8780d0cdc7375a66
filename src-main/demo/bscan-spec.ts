/**
 * What to render: the B-scan spec (size, seeds, slice position, eye, anatomy, biomarkers) and
 * its validated, defaulted form.
 *
 * Everything is modelled in *reference pixels* of an OLIVES/Spectralis B-scan (504 x 496,
 * about 3.87 µm per pixel axially and 12 µm laterally) and scaled to the requested size, so a
 * 128 x 124 test image shows the same anatomy as a full-size one.
 */
export type Eye = 'OD' | 'OS';

/** The five demo biomarkers; each one has a distinct, learnable appearance. */
export interface BiomarkerFlags {
  /** Intraretinal fluid: dark rounded cysts in the inner/outer nuclear layers. */
  irf: boolean;
  /** Intraretinal hyper-reflective foci: small bright dots in the inner retina. */
  irhrf: boolean;
  /** Diffuse retinal thickening / macular edema: thicker, slightly darker retina, pit filled. */
  drtme: boolean;
  /** Disruption of the ellipsoid zone: a gap in the bright EZ line. */
  ezDisruption: boolean;
  /** Serous pigment epithelial detachment: a dome of RPE lifted off Bruch's membrane. */
  ped: boolean;
}

export const NO_BIOMARKERS: Readonly<BiomarkerFlags> = Object.freeze({
  irf: false,
  irhrf: false,
  drtme: false,
  ezDisruption: false,
  ped: false,
});

/** Per-patient anatomy, in reference pixels. */
export interface RetinaAnatomy {
  /** Parafoveal thickness ILM to Bruch's membrane; 78-94 is a normal macula (300-360 µm). */
  thicknessPx: number;
  /** Lateral slope (px per px); keep within ±0.06 so the retina stays in frame. */
  tilt: number;
  /** How far the scan edges rise above the centre (px); 0 is flat, 25 is a strongly bowed eye. */
  curvaturePx: number;
  /** Overall signal gain; 0.85-1.15 mimics scan quality differences. */
  brightness: number;
  /** Depth of Bruch's membrane under the fovea, as a fraction of the image height. */
  rpeDepth: number;
  /** Lateral fovea offset from the image centre (px); ±25 mimics fixation error. */
  foveaOffsetPx: number;
  /** Fraction of the inner retina missing at the foveal centre; 0.75-0.92. */
  pitDepth: number;
  /** Radius of the foveal pit (px); 45-65. */
  pitWidthPx: number;
  /** Subfoveal choroid thickness (px); 50-90. */
  choroidPx: number;
}

export const DEFAULT_ANATOMY: Readonly<RetinaAnatomy> = Object.freeze({
  thicknessPx: 86,
  tilt: 0,
  curvaturePx: 14,
  brightness: 1,
  rpeDepth: 0.5,
  foveaOffsetPx: 0,
  pitDepth: 0.9,
  pitWidthPx: 55,
  choroidPx: 70,
});

export interface BscanSpec {
  /** Image width in pixels; OLIVES is 504. */
  width?: number;
  /** Image height in pixels; OLIVES is 496. */
  height?: number;
  /** Seed of this image's speckle and per-slice detail. */
  seed: number;
  /** Seed shared by the slices of one volume (vessels, cyst positions); defaults to `seed`. */
  volumeSeed?: number;
  /** 0-based slice index; with `slicesPerVolume` it places the slice relative to the fovea. */
  sliceIndex: number;
  slicesPerVolume: number;
  eye: Eye;
  anatomy?: Partial<RetinaAnatomy>;
  biomarkers?: Partial<BiomarkerFlags>;
  /** Lesion severity in [0, 1]: scales lesion size and count; default 0.8. */
  severity?: number;
}

export const REF_WIDTH = 504;
export const REF_HEIGHT = 496;
/** Axial sampling of a Spectralis B-scan in OLIVES (496 px over about 1.9 mm). */
export const AXIAL_UM_PER_REF_PX = 3.87;
/** Half the slow-axis extent of a volume in reference lateral pixels (about 3 mm). */
export const SLOW_HALF_EXTENT_PX = 250;

export interface ResolvedSpec {
  width: number;
  height: number;
  /** Image pixels per reference pixel, laterally and axially. */
  sx: number;
  sy: number;
  seed: number;
  volumeSeed: number;
  sliceIndex: number;
  /** Slow-axis distance of this slice from the volume centre, in reference px. */
  slowAxisPx: number;
  eye: Eye;
  anatomy: RetinaAnatomy;
  flags: BiomarkerFlags;
  severity: number;
}

function requireInt(value: number, field: string, lo: number, hi: number): number {
  if (!Number.isInteger(value) || value < lo || value > hi) {
    throw new RangeError(`BscanSpec.${field} must be an integer in [${lo}, ${hi}], got ${value}`);
  }
  return value;
}

export function resolveSpec(spec: BscanSpec): ResolvedSpec {
  const width = requireInt(spec.width ?? REF_WIDTH, 'width', 32, 4096);
  const height = requireInt(spec.height ?? REF_HEIGHT, 'height', 32, 4096);
  const n = requireInt(spec.slicesPerVolume, 'slicesPerVolume', 1, 1024);
  const sliceIndex = requireInt(spec.sliceIndex, 'sliceIndex', 0, n - 1);
  const severity = spec.severity ?? 0.8;
  if (!(severity >= 0 && severity <= 1)) {
    throw new RangeError(`BscanSpec.severity must be in [0, 1], got ${severity}`);
  }
  if (spec.eye !== 'OD' && spec.eye !== 'OS') {
    throw new RangeError(`BscanSpec.eye must be 'OD' or 'OS', got ${String(spec.eye)}`);
  }
  const z = n > 1 ? (2 * sliceIndex) / (n - 1) - 1 : 0;
  return {
    width,
    height,
    sx: width / REF_WIDTH,
    sy: height / REF_HEIGHT,
    seed: spec.seed,
    volumeSeed: spec.volumeSeed ?? spec.seed,
    sliceIndex,
    slowAxisPx: z * SLOW_HALF_EXTENT_PX,
    eye: spec.eye,
    anatomy: { ...DEFAULT_ANATOMY, ...spec.anatomy },
    flags: { ...NO_BIOMARKERS, ...spec.biomarkers },
    severity,
  };
}
