/**
 * The label-efficiency chart's data: per arm, a line of the mean test macro AUROC over seeds
 * against the labelled training images, and a band between the (mean) 95 % interval bounds.
 * Pure (no chart.js here), so what the chart shows is tested without a canvas.
 */
import { armLabel, type EfficiencyCurve } from './results-view.js';

export const ARM_COLORS: Record<string, string> = {
  dino_linear: '#2f6fbf',
  dino_finetune: '#2e7d4f',
  dino_knn: '#8a4fbf',
  supervised: '#b4632d',
};
const FALLBACK_COLORS = ['#555f6d', '#b42d2d', '#0f7c8a'];

export interface XY {
  x: number;
  y: number;
}

export interface ArmSeries {
  arm: string;
  label: string;
  color: string;
  mean: XY[];
  lower: XY[];
  upper: XY[];
  /** Each seed's value, drawn as small dots. */
  seeds: XY[];
}

export interface EfficiencyData {
  /** 'images' when every point knows its labelled-image count, else 'fraction' (budget values). */
  xAxis: 'images' | 'fraction';
  series: ArmSeries[];
}

export function efficiencyData(curve: EfficiencyCurve): EfficiencyData {
  const points = curve.arms.flatMap((a) => a.points);
  const xAxis = points.every((p) => p.images !== null) ? 'images' : 'fraction';
  const xOf = (p: (typeof points)[number]): number => (xAxis === 'images' ? (p.images as number) : p.budget.value);
  const series = curve.arms.map((arm, i) => {
    const defined = arm.points.filter((p) => p.meanMacroAuroc !== null);
    const banded = defined.filter((p) => p.band !== null);
    return {
      arm: arm.arm,
      label: armLabel(arm.arm),
      color: ARM_COLORS[arm.arm] ?? FALLBACK_COLORS[i % FALLBACK_COLORS.length]!,
      mean: defined.map((p) => ({ x: xOf(p), y: p.meanMacroAuroc as number })),
      lower: banded.map((p) => ({ x: xOf(p), y: p.band![0] })),
      upper: banded.map((p) => ({ x: xOf(p), y: p.band![1] })),
      seeds: arm.points.flatMap((p) => p.seeds.filter((s) => s.macroAuroc !== null).map((s) => ({ x: xAxis === 'images' && s.images !== null ? s.images : xOf(p), y: s.macroAuroc as number }))),
    };
  });
  return { xAxis, series };
}
