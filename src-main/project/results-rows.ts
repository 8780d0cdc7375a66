/**
 * Reading the JSON columns the training jobs write (config, engine, metrics), defensively: an
 * unknown or partial shape gives nulls, never a crash; and the small pure steps of the results
 * reader (arm order, budget keys, thinning a series, one efficiency point).
 */
import type { EvaluationMetrics } from '../ml/metrics/types.js';
import type { ArmRunKind, BudgetRef, ChildRun, EfficiencyPoint, EfficiencySeed, EngineSummary, RunConfigSummary } from './results-types.js';
import type { RunKind } from './runs.js';

/** The arm a run of each downstream kind implements (when its config does not say). */
const ARM_OF_KIND: Readonly<Record<ArmRunKind, string>> = { linear_probe: 'dino_linear', finetune: 'dino_finetune', supervised: 'supervised', knn: 'dino_knn' };
export const ARM_KINDS = Object.keys(ARM_OF_KIND) as ArmRunKind[];
/** The arms in the order the UI shows them. */
const ARM_ORDER = ['dino_linear', 'dino_finetune', 'dino_knn', 'supervised'];

export const MAX_SERIES_POINTS = 2000;

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
export function parseJson(text: unknown): unknown {
  if (typeof text !== 'string') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

export function readBudget(v: unknown): BudgetRef | null {
  if (!isRecord(v) || (v.kind !== 'fraction' && v.kind !== 'count')) return null;
  const value = num(v.value);
  return value === null ? null : { kind: v.kind, value };
}

export const budgetKey = (b: BudgetRef): string => `${b.kind}:${b.value}`;

export function readSummary(config: unknown): RunConfigSummary {
  const c = isRecord(config) ? config : {};
  const sweep = isRecord(c.sweep) ? c.sweep : null;
  return {
    preset: str(c.preset),
    labelSetName: str(c.labelSetName),
    labels: readBudget(c.labels),
    seed: num(c.seed),
    arms: Array.isArray(c.arms) ? c.arms.filter((a): a is string => typeof a === 'string') : [],
    sweep: sweep
      ? {
          budgets: (Array.isArray(sweep.budgets) ? sweep.budgets : []).map(readBudget).filter((b): b is BudgetRef => b !== null),
          seeds: (Array.isArray(sweep.seeds) ? sweep.seeds : []).map(num).filter((s): s is number => s !== null),
        }
      : null,
  };
}

export function readEngine(engine: unknown): EngineSummary {
  const e = isRecord(engine) ? engine : {};
  return { backend: str(e.backend), device: str(e.device), package: str(e.package) };
}

/** The stored metrics if they look like EvaluationMetrics (a task and per-label rows). */
export function readMetrics(json: unknown): EvaluationMetrics | null {
  const m = parseJson(json);
  if (!isRecord(m) || (m.task !== 'multi_label' && m.task !== 'single_label') || !Array.isArray(m.perLabel)) return null;
  return m as unknown as EvaluationMetrics;
}

export function armOf(kind: RunKind, config: unknown, name: string): string | null {
  if (!(ARM_KINDS as string[]).includes(kind)) return null;
  const c = isRecord(config) ? config : {};
  return str(c.arm) ?? (name || ARM_OF_KIND[kind as ArmRunKind]);
}

export function childBudget(config: unknown): ChildRun['budget'] {
  const c = isRecord(config) ? config : {};
  const budget = readBudget(c.budget);
  if (!budget) return null;
  const b = c.budget as Record<string, unknown>;
  return { ...budget, patients: num(b.patients), images: num(b.images) };
}

export const armRank = (arm: string): number => {
  const i = ARM_ORDER.indexOf(arm);
  return i < 0 ? ARM_ORDER.length : i;
};

/** Evenly spaced indices into n points, at most `max`, always keeping the first and the last. */
export function downsampleIndices(n: number, max: number = MAX_SERIES_POINTS): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  if (max < 2) return [n - 1];
  const out: number[] = [];
  for (let i = 0; i < max; i++) out.push(Math.round((i * (n - 1)) / (max - 1)));
  return out;
}

export function readSetId(configJson: string): unknown {
  const c = parseJson(configJson);
  return isRecord(c) ? c.labelSetId : null;
}

export function uniqueBudgets(budgets: readonly (BudgetRef | null)[]): BudgetRef[] {
  const byKey = new Map<string, BudgetRef>();
  for (const b of budgets) if (b) byKey.set(budgetKey(b), b);
  // Counts before fractions is arbitrary but stable; within a kind, smallest first.
  return [...byKey.values()].sort((a, b) => a.kind.localeCompare(b.kind) || a.value - b.value);
}

const mean = (xs: readonly number[]): number | null => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : null);

export function toPoint(budget: BudgetRef, seeds: EfficiencySeed[]): EfficiencyPoint {
  seeds.sort((a, b) => a.seed - b.seed);
  const defined = <T>(xs: (T | null)[]): T[] => xs.filter((x): x is T => x !== null);
  const cis = defined(seeds.map((s) => s.ci));
  const lo = mean(cis.map((c) => c[0]));
  const hi = mean(cis.map((c) => c[1]));
  return {
    budget,
    images: mean(defined(seeds.map((s) => s.images))),
    patients: mean(defined(seeds.map((s) => s.patients))),
    meanMacroAuroc: mean(defined(seeds.map((s) => s.macroAuroc))),
    band: lo !== null && hi !== null ? [lo, hi] : null,
    seeds,
  };
}

