/**
 * Renders a synthetic retinal OCT B-scan: layered reflectivity, lesions, then speckle.
 *
 * The demo dataset and the import/training tests need images that look and behave like OLIVES
 * B-scans (horizontal layers, a foveal pit, biomarkers a model can learn) without shipping
 * patient data. The pipeline follows how OCT forms an image: a reflectivity map of the tissue
 * (one value per layer, softened by the axial point-spread), multiplied by speckle (the
 * coherent-imaging noise, gamma-distributed intensity), plus a little detector noise.
 */
import { createRng } from '../random/rng.js';
import { resolveSpec } from './bscan-spec.js';
import type { BscanSpec, ResolvedSpec } from './bscan-spec.js';
import { layoutLesions } from './lesion-layout.js';
import type { LesionLayout } from './lesion-layout.js';
import { B, centralSubfieldThicknessUm, computeGeometry } from './retina-geometry.js';
import type { RetinaGeometry } from './retina-geometry.js';

export type { BiomarkerFlags, BscanSpec, Eye, RetinaAnatomy } from './bscan-spec.js';
export { DEFAULT_ANATOMY, NO_BIOMARKERS, REF_HEIGHT, REF_WIDTH } from './bscan-spec.js';

/** Row-major 8-bit grayscale image. */
export interface GrayImage {
  width: number;
  height: number;
  pixels: Uint8Array;
}

/** Reflectivity of layer i (between boundary i and i + 1), on a 0..1 display scale. */
const LAYER_REFLECTIVITY = [
  0.8, // RNFL
  0.42, // GCL
  0.55, // IPL
  0.24, // INL
  0.5, // OPL
  0.14, // ONL
  0.4, // ELM
  0.17, // myoid zone
  0.78, // EZ
  0.42, // IZ
  0.98, // RPE
  0.04, // serous space under a PED
  0.62, // Bruch's membrane
] as const;
const VITREOUS = 0.015;
/** What a disrupted EZ looks like: the photoreceptor band reads like the nuclear layer. */
const EZ_LOST = 0.15;
const CYST_LUMEN = 0.03;
const CYST_WALL = 0.12;
const FOCUS_PEAK = 1.35;

/** Per-column layer boundaries in image coordinates (mirrored for OS). */
export interface BscanLayers {
  ilm: Float32Array;
  /** Centre of the ellipsoid zone line. */
  ez: Float32Array;
  /** Centre of the RPE band (lifted by a PED). */
  rpe: Float32Array;
  /** Bruch's membrane. */
  bm: Float32Array;
}

/** Layer positions the renderer uses; for tests, overlays and clinical values. */
export function describeBscanLayers(spec: BscanSpec): BscanLayers & { cstUm: number } {
  const s = resolveSpec(spec);
  const L = layoutLesions(s);
  const g = computeGeometry(s, L);
  const pick = (f: (x: number) => number): Float32Array => {
    const out = new Float32Array(s.width);
    for (let x = 0; x < s.width; x++) out[s.eye === 'OS' ? s.width - 1 - x : x] = f(x);
    return out;
  };
  const at = (i: number, x: number): number => (g.bounds[i] as Float32Array)[x] as number;
  return {
    ilm: pick((x) => at(B.ILM, x)),
    ez: pick((x) => (at(B.EZ, x) + at(B.IZ, x)) / 2),
    rpe: pick((x) => (at(B.RPE, x) + at(B.PED_SPACE, x)) / 2),
    bm: pick((x) => at(B.BM, x)),
    cstUm: centralSubfieldThicknessUm(s, g, L.foveaX),
  };
}

export function renderSyntheticBscan(spec: BscanSpec): GrayImage {
  const s = resolveSpec(spec);
  const L = layoutLesions(s);
  const g = computeGeometry(s, L);
  const refl = paintLayers(s, g, L);
  paintCysts(s, g, L, refl);
  paintFoci(s, g, L, refl);
  return applySpeckle(s, refl);
}

/** Adds `v` times the overlap of [a, b) with each pixel row of one column (anti-aliased). */
function addSegment(col: Float32Array, base: number, h: number, a: number, b: number, v: number): void {
  const lo = Math.max(0, a);
  const hi = Math.min(h, b);
  if (hi <= lo) return;
  const ia = Math.floor(lo);
  const ib = Math.floor(hi);
  if (ia === ib) {
    col[base + ia] = (col[base + ia] as number) + v * (hi - lo);
    return;
  }
  col[base + ia] = (col[base + ia] as number) + v * (ia + 1 - lo);
  for (let i = ia + 1; i < ib; i++) col[base + i] = (col[base + i] as number) + v;
  if (ib < h) col[base + ib] = (col[base + ib] as number) + v * (hi - ib);
}

/** Column-major reflectivity map (index x * height + y), OD frame. */
function paintLayers(s: ResolvedSpec, g: RetinaGeometry, L: LesionLayout): Float32Array {
  const { width: W, height: H, sx, sy } = s;
  const col = new Float32Array(W * H);
  const bnd = (i: number, x: number): number => (g.bounds[i] as Float32Array)[x] as number;
  for (let x = 0; x < W; x++) {
    const base = x * H;
    const xr = (x + 0.5) / sx;
    addSegment(col, base, H, 0, bnd(B.ILM, x), VITREOUS);
    const tissue = g.tissue[x] as number;
    const edema = 1 - 0.3 * (g.edema[x] as number);
    const gap = g.ezGap[x] as number;
    for (let i = 0; i < B.CHOROID; i++) {
      let v = (LAYER_REFLECTIVITY[i] as number) * tissue;
      if (i === B.INL || i === B.OPL || i === B.ONL) v *= edema;
      if (i === B.EZ || i === B.IZ) v += (EZ_LOST - v) * gap;
      addSegment(col, base, H, bnd(i, x), bnd(i + 1, x), v);
    }
    // Choroid: bright stroma around dark vessel lumens, fading with depth.
    const c0 = bnd(B.CHOROID, x);
    const c1 = bnd(B.SCLERA, x);
    const thick = (c1 - c0) / sy;
    const near = L.choroidVessels.filter((v) => Math.abs(xr - v.x) < v.rx);
    for (let y = Math.max(0, Math.floor(c0)); y < Math.min(H, Math.ceil(c1)); y++) {
      const cover = Math.min(y + 1, c1) - Math.max(y, c0);
      const t = (y + 0.5 - c0) / (c1 - c0);
      let v = (0.46 - 0.24 * t) * tissue;
      for (const ves of near) {
        const u = (xr - ves.x) / ves.rx;
        const w = ((t - ves.depth) * thick) / ves.ry;
        const d = u * u + w * w;
        if (d < 1) v *= 1 - 0.7 * Math.min(1, (1 - d) * 2.5);
      }
      col[base + y] = (col[base + y] as number) + v * cover;
    }
    // Sclera and below: a dim, fading band.
    for (let y = Math.max(0, Math.floor(c1)); y < H; y++) {
      const cover = Math.min(1, y + 1 - c1);
      const d = (y + 0.5 - c1) / sy;
      col[base + y] = (col[base + y] as number) + cover * (0.03 + 0.14 * Math.exp(-d / 25));
    }
    // A retinal vessel: bright wall in the ganglion cell layer, shadow on everything below.
    const shade = g.shadow[x] as number;
    if (shade < 1) {
      const top = Math.max(0, Math.ceil(g.shadowRow[x] as number));
      for (let y = top; y < H; y++) col[base + y] = (col[base + y] as number) * shade;
      for (let y = Math.max(0, top - Math.round(3 * sy)); y < top && y < H; y++) {
        col[base + y] = Math.max(col[base + y] as number, 0.75);
      }
    }
  }
  return col;
}

/** Dark, rounded intraretinal fluid pockets inside the swollen nuclear layers. */
function paintCysts(s: ResolvedSpec, g: RetinaGeometry, L: LesionLayout, col: Float32Array): void {
  const { width: W, height: H, sx, sy } = s;
  for (const c of L.cysts) {
    const cxPix = Math.min(W - 1, Math.max(0, Math.round(c.x * sx)));
    const top = (g.bounds[B.INL] as Float32Array)[cxPix] as number;
    const bottom = (g.bounds[B.ELM] as Float32Array)[cxPix] as number;
    const ry = Math.min(c.ry * sy, 0.45 * (bottom - top));
    const cy = Math.min(bottom - ry - 1, Math.max(top + ry + 1, top + c.frac * (bottom - top)));
    const rx = c.rx * sx;
    const cx = c.x * sx;
    for (let x = Math.max(0, Math.floor(cx - rx)); x <= Math.min(W - 1, Math.ceil(cx + rx)); x++) {
      const u = (x + 0.5 - cx) / rx;
      for (let y = Math.max(0, Math.floor(cy - ry)); y <= Math.min(H - 1, Math.ceil(cy + ry)); y++) {
        const w = (y + 0.5 - cy) / ry;
        const d = u * u + w * w;
        if (d >= 1.3) continue;
        const i = x * H + y;
        // A faint brighter wall (compressed tissue) around an almost black lumen.
        const wall = CYST_WALL * Math.max(0, 1 - Math.abs(d - 1.1) * 5);
        const m = Math.min(1, Math.max(0, (1.05 - d) * 5));
        col[i] = (col[i] as number) + (CYST_LUMEN - (col[i] as number)) * m + wall;
      }
    }
  }
}

/** Hyper-reflective foci: bright dots between the IPL and the middle of the ONL. */
function paintFoci(s: ResolvedSpec, g: RetinaGeometry, L: LesionLayout, col: Float32Array): void {
  const { width: W, height: H, sx, sy } = s;
  for (const f of L.foci) {
    const cx = f.x * sx;
    const xi = Math.min(W - 1, Math.max(0, Math.round(cx)));
    const top = (g.bounds[B.IPL] as Float32Array)[xi] as number;
    const onlTop = (g.bounds[B.ONL] as Float32Array)[xi] as number;
    const bottom = (onlTop + ((g.bounds[B.ELM] as Float32Array)[xi] as number)) / 2;
    const cy = top + f.frac * (bottom - top);
    const r = Math.max(1, f.r * Math.min(sx, sy));
    for (let x = Math.max(0, Math.floor(cx - r)); x <= Math.min(W - 1, Math.ceil(cx + r)); x++) {
      for (let y = Math.max(0, Math.floor(cy - r)); y <= Math.min(H - 1, Math.ceil(cy + r)); y++) {
        const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy) / r;
        if (d >= 1) continue;
        const m = Math.min(1, (1 - d) * 2.5);
        const i = x * H + y;
        col[i] = (col[i] as number) + (FOCUS_PEAK - (col[i] as number)) * m;
      }
    }
  }
}

/**
 * Axial blur, speckle, noise and 8-bit quantisation; mirrors OS scans.
 * Speckle intensity is gamma(3)-distributed (averaged looks, as Spectralis averages frames), smoothed over three
 * columns because OCT speckle grains are wider than they are tall.
 */
function applySpeckle(s: ResolvedSpec, col: Float32Array): GrayImage {
  const { width: W, height: H } = s;
  const pixels = new Uint8Array(W * H);
  const rng = createRng(s.seed).fork('speckle');
  let state = rng.seed | 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 1) / 4294967297; // (0, 1]
  };
  const gain = new Float32Array(W);
  for (let x = 0; x < W; x++) {
    const u = (x + 0.5) / W - 0.5;
    gain[x] = 255 * s.anatomy.brightness * (1 - 0.5 * u * u);
  }
  const speckle = new Float32Array(W + 2);
  const mirror = s.eye === 'OS';
  for (let y = 0; y < H; y++) {
    for (let i = 0; i < W + 2; i++) speckle[i] = -Math.log(uniform() * uniform() * uniform()) / 3;
    const falloff = 1 - (0.12 * y) / H;
    for (let x = 0; x < W; x++) {
      const i = x * H + y;
      const up = y > 0 ? (col[i - 1] as number) : (col[i] as number);
      const down = y < H - 1 ? (col[i + 1] as number) : (col[i] as number);
      const r = 0.25 * up + 0.5 * (col[i] as number) + 0.25 * down;
      const sp = 0.25 * (speckle[x] as number) + 0.5 * (speckle[x + 1] as number)
        + 0.25 * (speckle[x + 2] as number);
      const noise = (uniform() + uniform() + uniform() - 1.5) * 6; // about N(0, 3)
      const v = r * sp * falloff * (gain[x] as number) + 3 + noise;
      pixels[y * W + (mirror ? W - 1 - x : x)] = v <= 0 ? 0 : v >= 255 ? 255 : v;
    }
  }
  return { width: W, height: H, pixels };
}

