/**
 * Layer boundaries of a synthetic macular B-scan, column by column.
 *
 * Computed for a right eye (OD) in fundus orientation, where the optic disc (nasal side,
 * thicker nerve fibre layer) lies to the right of the fovea; the renderer mirrors it for OS.
 * The foveal pit is radially symmetric in (fast axis, slow axis), so its depth changes with the
 * slice position in the volume. Lesions that take up space (edema, cysts, PED) move the
 * boundaries; the renderer then paints reflectivity between them.
 */
import { createRng } from '../random/rng.js';
import { AXIAL_UM_PER_REF_PX, REF_HEIGHT, REF_WIDTH, SLOW_HALF_EXTENT_PX } from './bscan-spec.js';
import type { ResolvedSpec } from './bscan-spec.js';
import type { LesionLayout } from './lesion-layout.js';

/** Fixed outer-retina thicknesses (reference px): ELM, myoid, EZ, IZ, RPE. */
const ELM_PX = 2;
const MYOID_PX = 3;
const EZ_PX = 3.5;
const IZ_PX = 3;
const RPE_PX = 5.5;
const BM_PX = 1.5;

/** Boundary indices, top to bottom; layer i lies between boundary i and i + 1. */
export const B = Object.freeze({
  ILM: 0, GCL: 1, IPL: 2, INL: 3, OPL: 4, ONL: 5, ELM: 6, MYOID: 7, EZ: 8, IZ: 9, RPE: 10,
  PED_SPACE: 11, BM: 12, CHOROID: 13, SCLERA: 14,
});
export const BOUNDARY_COUNT = 15;

export interface RetinaGeometry {
  /** BOUNDARY_COUNT rows of boundary depths (image px, fractional), each `width` long. */
  bounds: Float32Array[];
  /** Edema weight per column (0..1): darkens the swollen nuclear layers. */
  edema: Float32Array;
  /** EZ gap weight per column (0..1). */
  ezGap: Float32Array;
  /** Slow lateral variation of tissue reflectivity (about 1), so layers are not flat bands. */
  tissue: Float32Array;
  /** Reflectivity multiplier below a retinal vessel (1 = no shadow) and the row it starts. */
  shadow: Float32Array;
  shadowRow: Float32Array;
}

/** Boundaries per column, OD frame, image pixels. */
export function computeGeometry(s: ResolvedSpec, L: LesionLayout): RetinaGeometry {
  const { width: W, sx, sy } = s;
  const a = s.anatomy;
  const bounds = Array.from({ length: BOUNDARY_COUNT }, () => new Float32Array(W));
  const edema = new Float32Array(W);
  const ezGap = new Float32Array(W);
  const shadow = new Float32Array(W).fill(1);
  const shadowRow = new Float32Array(W);
  const dz = s.slowAxisPx;
  const T0 = a.thicknessPx;
  const innerBase = 0.56 * T0;
  const outerFixed = ELM_PX + MYOID_PX + EZ_PX + IZ_PX + RPE_PX;
  const onlBase = Math.max(6, T0 - innerBase - outerFixed);
  const drtFill = L.drt ? 0.75 * s.severity + 0.15 : 0;
  const tissue = new Float32Array(W);
  const waves = createRng(s.volumeSeed).fork('tissue');
  const phases = [waves.range(0, 6.3), waves.range(0, 6.3), waves.range(0, 6.3)];
  const periods = [waves.range(60, 110), waves.range(25, 45), waves.range(12, 20)];

  for (let x = 0; x < W; x++) {
    const xr = (x + 0.5) / sx;
    const dx = xr - L.foveaX;
    const r = Math.hypot(dx, dz);
    const pitShape = Math.exp(-((r / a.pitWidthPx) ** 2));
    const pit = a.pitDepth * pitShape * (1 - drtFill);
    const ring = 1 + 0.1 * Math.exp(-(((r - 110) / 60) ** 2));
    const periph = 1 - 0.2 * Math.min(1, Math.max(0, (r - 160) / 260));
    const inner = innerBase * (1 - pit) * ring * periph;
    // Nerve fibre layer thickens towards the optic disc (nasal, +x for OD).
    const rnfl = inner * (0.1 + 0.2 / (1 + Math.exp(-dx / 45)));
    const rest = 0.9 * inner;
    let gcl = 0.32 * rest;
    const ipl = 0.26 * rest;
    let inl = 0.24 * rest;
    let opl = 0.18 * rest;
    let onl = onlBase * periph * (1 + 0.9 * pitShape);
    if (L.drt) {
      const bump = Math.exp(-((dx / L.drt.sigma) ** 2));
      const extra = L.drt.amountPx * bump;
      onl += 0.55 * extra;
      inl += 0.3 * extra;
      opl += 0.1 * extra;
      gcl += 0.05 * extra;
      edema[x] = bump * (0.5 + 0.5 * s.severity);
    }
    for (const c of L.cysts) {
      // Fluid displaces tissue over a wider span than the cyst, so the ILM stays smooth.
      const u = (xr - c.x) / (c.rx * 2.5 + 10);
      if (u * u < 1) {
        const swell = 1.3 * c.ry * Math.cos((Math.PI / 2) * u) ** 2;
        inl += 0.4 * swell;
        onl += 0.6 * swell;
      }
    }
    let pedH = 0;
    if (L.ped) {
      const u = (xr - L.ped.x) / L.ped.radius;
      if (u * u < 1) pedH = L.ped.height * (1 - u * u) ** 0.6;
    }
    if (L.ezGap) {
      const d = Math.abs(xr - L.ezGap.x) - L.ezGap.halfWidth;
      ezGap[x] = Math.min(1, Math.max(0, 0.5 - d / 6));
    }
    let t = 1;
    for (let i = 0; i < 3; i++) {
      t += (0.06 / (i + 1)) * Math.sin((2 * Math.PI * xr) / (periods[i] as number) + (phases[i] as number));
    }
    tissue[x] = t;
    const xc = (xr - REF_WIDTH / 2) / (REF_WIDTH / 2);
    const bm = a.rpeDepth * REF_HEIGHT + a.tilt * (xr - REF_WIDTH / 2)
      - a.curvaturePx * (xc * xc + 0.6 * (dz / SLOW_HALF_EXTENT_PX) ** 2);
    // Built bottom-up from Bruch's membrane, which a PED does not move.
    const rpeBottom = bm - pedH;
    const ez = rpeBottom - RPE_PX - IZ_PX;
    const elm = ez - MYOID_PX - ELM_PX;
    const onlTop = elm - onl;
    const inlTop = onlTop - opl - inl;
    const gclTop = inlTop - ipl - gcl;
    const choroidTop = bm + BM_PX;
    const rows = [
      gclTop - rnfl, // ILM
      gclTop,
      inlTop - ipl, // IPL top
      inlTop,
      onlTop - opl, // OPL top
      onlTop,
      elm,
      elm + ELM_PX, // myoid top
      ez,
      ez + EZ_PX, // IZ top
      rpeBottom - RPE_PX, // RPE top
      rpeBottom, // serous space top
      bm,
      choroidTop,
      choroidTop + a.choroidPx * (1 - 0.3 * xc * xc), // sclera
    ];
    for (let i = 0; i < BOUNDARY_COUNT; i++) (bounds[i] as Float32Array)[x] = (rows[i] as number) * sy;

    for (const v of L.retinalVessels) {
      const u = (xr - v.x) / v.width;
      if (u * u < 1) {
        shadow[x] = Math.min(shadow[x] as number, 1 - v.shadow * (1 - u * u));
        shadowRow[x] = gclTop * sy;
      }
    }
  }
  return { bounds, edema, ezGap, tissue, shadow, shadowRow };
}

/**
 * Central subfield thickness (ILM to Bruch's membrane, mean over the central 1 mm) in µm,
 * the way a Spectralis reports CST.
 */
export function centralSubfieldThicknessUm(s: ResolvedSpec, g: RetinaGeometry, foveaX: number): number {
  const half = 42 * s.sx; // 500 µm at 12 µm per reference pixel
  const c = foveaX * s.sx;
  const ilm = g.bounds[B.ILM] as Float32Array;
  const bm = g.bounds[B.BM] as Float32Array;
  let sum = 0;
  let n = 0;
  for (let x = Math.max(0, Math.floor(c - half)); x <= Math.min(s.width - 1, Math.ceil(c + half)); x++) {
    sum += (bm[x] as number) - (ilm[x] as number);
    n++;
  }
  return ((sum / Math.max(1, n)) / s.sy) * AXIAL_UM_PER_REF_PX;
}
