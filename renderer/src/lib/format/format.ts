/** Small formatters shared by the views; pure functions so they are easy to test. */

/** "1 min 20 s left", "45 s left", "2 h 5 min left"; empty when the ETA is unknown. */
export function formatEta(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '';
  const total = Math.round(seconds);
  if (total < 1) return 'less than a second left';
  const h = Math.floor(total / 3600);
  const min = Math.floor((total % 3600) / 60);
  const s = total % 60;
  // Seconds stop mattering once the wait is in hours.
  if (h > 0) return min > 0 ? `${h} h ${min} min left` : `${h} h left`;
  if (min > 0) return s > 0 ? `${min} min ${s} s left` : `${min} min left`;
  return `${s} s left`;
}

/** 0.456 → "46 %" (progress is a fraction in 0..1). */
export function formatPercent(fraction: number): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  return `${Math.round(clamped * 100)} %`;
}

/** Metrics vary from counts (128) to losses (0.000123): keep four significant digits. */
export function formatMetric(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return Number(value.toPrecision(4)).toString();
}

const JOB_KIND_LABELS: Record<string, string> = {
  'demo.generate': 'Generate demo dataset',
  import: 'Import images',
  pretrain: 'DINO pretraining',
  pipeline: 'Pipeline',
  finetune: 'Downstream training',
};

/** A readable name for a job kind; unknown kinds (added later in the core) show as they are. */
export function jobKindLabel(kind: string): string {
  return JOB_KIND_LABELS[kind] ?? kind;
}

/** "2024-05-01T10:00:00.000Z" → a short local date and time. */
export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
