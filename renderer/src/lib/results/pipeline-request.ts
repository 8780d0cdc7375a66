/**
 * The "Run pipeline" form's pure parts: a preset's settings as editable text fields, and the
 * form → the `pipeline` job's params. The params must pass the core's `pipelineParamsSchema`
 * (src-main/ml/pipeline/pipeline-params.ts; a renderer unit test checks them against it), so
 * they carry only fields that schema knows, each setting typed as the preset has it.
 */
import type { Budget, PipelinePresets } from './results-view.js';

export type PresetName = PipelinePresets['presetNames'][number];

/** The `pipeline` job's params, as sent with `jobs.start` (a type alias: it is a plain record). */
export type PipelineRequest = {
  labelSet?: string;
  labels: Budget;
  preset: PresetName;
  seed: number;
  pretrain: Record<string, unknown>;
  downstream: Record<string, unknown>;
  arms: string[];
  sweep?: { budgets: Budget[]; seeds: number[] };
};

export type SettingKind = 'number' | 'range' | 'choice' | 'json';

export interface SettingField {
  key: string;
  kind: SettingKind;
  /** Choices of a `choice` field. */
  options?: readonly string[];
  /** False for settings the preset leaves to the default: an empty field means "default". */
  inPreset: boolean;
}

/** Choices of the settings that are not numbers (the schema's enums). */
const CHOICES: Record<string, readonly string[]> = {
  arch: ['vit_tiny', 'vit_small', 'vit_custom', 'resnet18'],
  patch: ['16', '8'],
};
/** Lists of numbers and their lengths ("0.6, 1"); `custom` (a vit_custom's shape) is JSON. */
const LIST_LENGTH: Record<string, number> = { cropScale: 2, resnetWidths: 4 };
const JSON_SETTINGS = new Set(['custom']);

/** The fields of one half (pretraining or downstream): the hints' keys, the preset's first. */
export function settingFields(values: Readonly<Record<string, unknown>>, hints: Readonly<Record<string, string>>): SettingField[] {
  const keys = [...Object.keys(values), ...Object.keys(hints).filter((k) => !(k in values))];
  return keys.map((key) => {
    const value = values[key];
    const kind: SettingKind = CHOICES[key] ? 'choice' : JSON_SETTINGS.has(key) ? 'json' : Array.isArray(value) || LIST_LENGTH[key] ? 'range' : 'number';
    return { key, kind, ...(CHOICES[key] ? { options: CHOICES[key] } : {}), inPreset: key in values };
  });
}

/** A preset's values as the text the fields show ("0.6, 1" for a range). */
export function settingTexts(values: Readonly<Record<string, unknown>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)]),
  );
}

/** Field text → the setting's value; undefined for an empty field (the default), an Error when unreadable. */
export function parseSetting(field: SettingField, text: string): unknown {
  const t = text.trim();
  if (t === '') return field.inPreset ? new Error(`${field.key} needs a value`) : undefined;
  if (field.kind === 'choice') {
    if (!field.options?.includes(t)) return new Error(`${field.key} must be one of ${field.options?.join(', ')}`);
    return field.key === 'patch' ? Number(t) : t;
  }
  if (field.kind === 'json') {
    try {
      const value = JSON.parse(t) as unknown;
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value;
    } catch {
      // reported below
    }
    return new Error(`${field.key} must be a JSON object, e.g. {"embedDim": 192, "depth": 12, "numHeads": 3}`);
  }
  if (field.kind === 'range') {
    const length = LIST_LENGTH[field.key] ?? 2;
    const parts = t.split(/[,\s]+/).filter(Boolean).map(Number);
    if (parts.length !== length || parts.some((x) => !Number.isFinite(x))) return new Error(`${field.key} must be ${length} numbers separated by commas`);
    return parts;
  }
  const n = Number(t);
  return Number.isFinite(n) ? n : new Error(`${field.key} must be a number`);
}

/** Reads every field; returns the settings object and the problems found. */
export function readSettings(fields: readonly SettingField[], texts: Readonly<Record<string, string>>): { values: Record<string, unknown>; problems: string[] } {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const field of fields) {
    const value = parseSetting(field, texts[field.key] ?? '');
    if (value instanceof Error) problems.push(value.message);
    else if (value !== undefined) values[field.key] = value;
  }
  return { values, problems };
}

/**
 * "5 %, 10 %, 50, 100 %" → budgets: a number with % is a fraction of the labelled patients,
 * a plain whole number a count of labelled images.
 */
export function parseBudgets(text: string): Budget[] | Error {
  const tokens = text.split(/[,;]+/).map((t) => t.trim()).filter(Boolean);
  if (tokens.length === 0) return new Error('Give at least one label budget, e.g. "10 %, 25 %, 100 %" or "50, 200".');
  const budgets: Budget[] = [];
  for (const token of tokens) {
    const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(token);
    if (percent) {
      const value = Number(percent[1]) / 100;
      if (!(value > 0 && value <= 1)) return new Error(`${token}: a fraction must be above 0 % and at most 100 %.`);
      budgets.push({ kind: 'fraction', value: Number(value.toFixed(6)) });
    } else if (/^\d+$/.test(token) && Number(token) >= 1) {
      budgets.push({ kind: 'count', value: Number(token) });
    } else {
      return new Error(`${token}: write a percentage (25 %) or a number of images (100).`);
    }
  }
  return budgets;
}

/** "0, 1, 2" → seeds (whole numbers ≥ 0). */
export function parseSeeds(text: string): number[] | Error {
  const tokens = text.split(/[,;\s]+/).filter(Boolean);
  if (tokens.length === 0 || tokens.some((t) => !/^\d+$/.test(t))) return new Error('Seeds are whole numbers separated by commas, e.g. "0, 1, 2".');
  return [...new Set(tokens.map(Number))];
}
