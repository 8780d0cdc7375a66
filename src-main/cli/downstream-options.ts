/**
 * Options shared by `octdino pipeline` and `octdino finetune`: the label budget and the
 * `--set section.key=value` overrides of a preset's settings.
 */
import type { LabelBudget } from '../ml/pipeline/pipeline-params.js';
import { CliError } from './cli-error.js';

/**
 * `--labels`: a fraction of the labelled training patients ("0.1", "10%", "1.0") or a count of
 * labelled training images ("50"). An integer is a count; a decimal point or % makes a fraction.
 */
export function parseLabelBudget(value: string): LabelBudget {
  const text = value.trim();
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(text);
  if (percent) return fraction(Number(percent[1]) / 100, value);
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n < 1) throw new CliError(`--labels must be at least 1 image, got "${value}".`, 2);
    return { kind: 'count', value: n };
  }
  if (/^\d*\.\d+$|^\d+\.\d*$/.test(text)) return fraction(Number(text), value);
  throw new CliError(`--labels takes a fraction (0.1, 10%) or a number of images (50), got "${value}".`, 2);
}

function fraction(f: number, raw: string): LabelBudget {
  if (!(f > 0 && f <= 1)) throw new CliError(`--labels fraction must be in (0, 1], got "${raw}".`, 2);
  return { kind: 'fraction', value: f };
}

/** A list of budgets: "0.01,0.1,50,100%". */
export function parseBudgetList(value: string): LabelBudget[] {
  return value.split(',').map((v) => parseLabelBudget(v));
}

export function parseIntegerList(flag: string, value: string): number[] {
  return value.split(',').map((v) => {
    const n = Number(v.trim());
    if (!Number.isSafeInteger(n) || n < 0) throw new CliError(`--${flag} takes comma-separated integers, got "${value}".`, 2);
    return n;
  });
}

/**
 * `--set pretrain.epochs=5 --set downstream.cropScale=[0.5,1]`: the value is read as JSON when
 * it parses (numbers, booleans, arrays, objects), else as a string.
 */
export function parseOverrides(sets: readonly string[], sections: readonly string[]): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = Object.fromEntries(sections.map((s) => [s, {}]));
  for (const item of sets) {
    const m = /^([a-z]+)\.([A-Za-z0-9]+)=(.*)$/.exec(item);
    const section = m?.[1];
    if (!m || section === undefined || !out[section]) {
      throw new CliError(`--set takes SECTION.KEY=VALUE with SECTION one of ${sections.join(', ')}, got "${item}".`, 2);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(m[3] as string);
    } catch {
      parsed = m[3];
    }
    out[section]![m[2] as string] = parsed;
  }
  return out;
}

export function integer(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new CliError(`--${flag} must be an integer, got "${value}".`, 2);
  return n;
}
