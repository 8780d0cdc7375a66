/**
 * Where the lesions and vessels of one B-scan go, in reference pixels of the OD frame.
 *
 * Volume-level structure (cyst and vessel positions) comes from `volumeSeed`, so neighbouring
 * slices of one volume show the same structures drifting slightly; per-slice detail (bright
 * foci, size jitter) comes from the slice.
 */
import { createRng } from '../random/rng.js';
import type { Rng } from '../random/rng.js';
import { REF_WIDTH } from './bscan-spec.js';
import type { ResolvedSpec } from './bscan-spec.js';

/** Lesions and vessels, all in reference px of the OD frame. */
export interface LesionLayout {
  foveaX: number;
  /** Cysts; `frac` is the depth between the INL top (0) and the ONL bottom (1). */
  cysts: { x: number; frac: number; rx: number; ry: number }[];
  /** Bright foci; `frac` is the depth between the IPL top (0) and the ONL middle (1). */
  foci: { x: number; frac: number; r: number }[];
  ezGap: { x: number; halfWidth: number } | null;
  ped: { x: number; radius: number; height: number } | null;
  drt: { amountPx: number; sigma: number } | null;
  retinalVessels: { x: number; width: number; shadow: number }[];
  /** Choroidal vessels; `depth` is a fraction of the local choroid thickness. */
  choroidVessels: { x: number; depth: number; rx: number; ry: number }[];
}

export function layoutLesions(s: ResolvedSpec): LesionLayout {
  const vol = createRng(s.volumeSeed);
  const slice = vol.fork(`slice:${s.sliceIndex}`);
  const a = s.anatomy;
  const foveaX = REF_WIDTH / 2 + a.foveaOffsetPx;
  const k = s.sliceIndex;
  const size = 0.55 + 0.45 * s.severity;
  const f = s.flags;

  const cysts: LesionLayout['cysts'] = [];
  if (f.irf) {
    const r = vol.fork('irf');
    const big = r.int(1, 3);
    const small = r.int(3, 8);
    for (let i = 0; i < big + small; i++) {
      const isBig = i < big;
      const drift = r.range(-4, 4) * k;
      const jitter = slice.range(0.85, 1.15) * size;
      cysts.push({
        x: foveaX + (isBig ? r.normal(0, 30) : r.range(-150, 150)) + drift,
        frac: isBig ? r.range(0.45, 0.75) : r.range(0.15, 0.85),
        rx: (isBig ? r.range(14, 28) : r.range(5, 10)) * jitter,
        ry: (isBig ? r.range(9, 17) : r.range(3.5, 7)) * jitter,
      });
    }
  }

  const foci: LesionLayout['foci'] = [];
  if (f.irhrf) {
    const r = slice.fork('irhrf');
    const count = Math.round(r.int(10, 20) * size);
    for (let i = 0; i < count; i++) {
      foci.push({ x: foveaX + r.range(-170, 170), frac: r.range(0.05, 1), r: r.range(1.8, 3) });
    }
  }

  const gapRng = vol.fork('ez');
  const ezGap = f.ezDisruption
    ? { x: foveaX + gapRng.range(-70, 70), halfWidth: gapRng.range(18, 45) * size }
    : null;
  const pedRng = vol.fork('ped');
  const ped = f.ped
    ? {
        x: foveaX + pedRng.range(-80, 80),
        radius: pedRng.range(45, 85) * size,
        height: pedRng.range(16, 36) * size,
      }
    : null;
  const drtRng = vol.fork('drt');
  const drt = f.drtme
    ? { amountPx: a.thicknessPx * (0.3 + 0.45 * s.severity), sigma: drtRng.range(95, 150) }
    : null;

  return {
    foveaX,
    cysts,
    foci,
    ezGap,
    ped,
    drt,
    retinalVessels: layoutRetinalVessels(vol.fork('vessels'), foveaX, k),
    choroidVessels: layoutChoroidVessels(vol.fork('choroid'), k),
  };
}

function layoutRetinalVessels(r: Rng, foveaX: number, k: number): LesionLayout['retinalVessels'] {
  const out: LesionLayout['retinalVessels'] = [];
  const count = r.int(4, 7);
  for (let i = 0; i < count; i++) {
    let x = r.range(15, REF_WIDTH - 15) + r.range(-3, 3) * k;
    // The foveal avascular zone has no vessels.
    if (Math.abs(x - foveaX) < 70) x += x < foveaX ? -70 : 70;
    out.push({ x, width: r.range(3, 7), shadow: r.range(0.35, 0.6) });
  }
  return out;
}

function layoutChoroidVessels(r: Rng, k: number): LesionLayout['choroidVessels'] {
  const out: LesionLayout['choroidVessels'] = [];
  // Sattler's layer: small, shallow vessels, densely packed.
  for (let x = r.range(-10, 0); x < REF_WIDTH + 10; x += r.range(5, 12)) {
    const drift = r.range(-2, 2) * k;
    out.push({ x: x + drift, depth: r.range(0.15, 0.35), rx: r.range(3, 7), ry: r.range(2, 4.5) });
  }
  // Haller's layer: large, deep, flattened lumens.
  for (let x = r.range(-20, 0); x < REF_WIDTH + 20; x += r.range(14, 30)) {
    const drift = r.range(-3, 3) * k;
    out.push({ x: x + drift, depth: r.range(0.5, 0.75), rx: r.range(9, 20), ry: r.range(5, 12) });
  }
  return out;
}
