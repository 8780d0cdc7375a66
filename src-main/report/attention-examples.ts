/**
 * The report's attention examples: per biomarker, the most confident true positive, false
 * positive and false negative test image of one DINO arm (decided at its validation threshold),
 * each drawn as the ViT's [CLS] attention (every head and their mean) over the scan. The PNGs are
 * downscaled and embedded as data: URIs so the report stays one small, self-contained file.
 */
import sharp from 'sharp';
import type { BinaryLabelMetrics, EvaluationMetrics } from '../ml/metrics/index.js';
import type { Project } from '../project/project.js';
import type { AttentionExample, AttentionSection, ReportData } from './report-types.js';
import { readTestPredictions, type TestPrediction } from './test-predictions.js';

/** Widest embedded panel strip, in px: enough to see the maps, small enough to keep the file light. */
const MAX_WIDTH = 560;
/** Labels shown at most (three images each). */
const MAX_LABELS = 6;
/** Which arm's classifier to look through, in order of preference. */
const PREFERRED_ARMS = ['dino_finetune', 'dino_linear', 'dino_knn', 'supervised'];

/** The most confident TP, FP and FN of one label, at `threshold` (argmax for a single-label task). */
export function pickExamples(rows: readonly TestPrediction[], labelId: number, threshold: number | null): { kind: AttentionExample['kind']; row: TestPrediction }[] {
  const mine = rows.filter((r) => r.labelId === labelId && r.truth !== -1);
  let predicted: (r: TestPrediction) => boolean;
  if (threshold !== null) predicted = (r) => r.score >= threshold;
  else {
    const best = new Map<number, number>();
    for (const r of rows) best.set(r.imageId, Math.max(best.get(r.imageId) ?? -Infinity, r.score));
    predicted = (r) => r.score >= (best.get(r.imageId) ?? Infinity);
  }
  const top = (list: TestPrediction[], highest: boolean): TestPrediction | undefined => list.sort((a, b) => (highest ? b.score - a.score : a.score - b.score) || a.imageId - b.imageId)[0];
  const picks: { kind: AttentionExample['kind']; row: TestPrediction | undefined }[] = [
    { kind: 'true positive', row: top(mine.filter((r) => r.truth === 1 && predicted(r)), true) },
    { kind: 'false positive', row: top(mine.filter((r) => r.truth === 0 && predicted(r)), true) },
    { kind: 'false negative', row: top(mine.filter((r) => r.truth === 1 && !predicted(r)), false) },
  ];
  return picks.filter((p): p is { kind: AttentionExample['kind']; row: TestPrediction } => p.row !== undefined);
}

async function toDataUri(png: Buffer): Promise<string> {
  const meta = await sharp(png).metadata();
  const out = await sharp(png)
    .resize({ width: Math.min(MAX_WIDTH, meta.width ?? MAX_WIDTH), withoutEnlargement: true })
    .png({ compressionLevel: 9, palette: true })
    .toBuffer();
  return `data:image/png;base64,${out.toString('base64')}`;
}

/** Fills `data.attention` (never throws for a model that cannot show attention: it says why instead). */
export async function addAttentionExamples(project: Project, data: ReportData): Promise<void> {
  const section: AttentionSection = { runId: null, model: null, examples: [], notes: [] };
  data.attention = section;
  const arm = PREFERRED_ARMS.map((name) => data.results.arms.find((a) => a.arm === name && a.evaluationId !== null && a.metrics)).find((a) => a !== undefined);
  if (!arm) {
    section.notes.push('No arm has test predictions, so there are no examples to show.');
    return;
  }
  const config = project.db.prepare('SELECT config_json FROM runs WHERE id = ?').pluck().get(arm.runId) as string;
  const arch = (JSON.parse(config) as { backbone?: { arch?: string } }).backbone?.arch ?? '';
  section.runId = arm.runId;
  if (arch.startsWith('resnet')) {
    section.notes.push(`Run ${arm.runId} (${arm.arm}) has a ${arch} backbone: attention maps need a ViT. Open the run in the Inspect view for its Grad-CAM maps.`);
    return;
  }
  const metrics = arm.metrics as EvaluationMetrics;
  const labels = project.db.prepare('SELECT id, name FROM labels WHERE id IN (SELECT DISTINCT label_id FROM predictions WHERE evaluation_id = ?) ORDER BY position').all(arm.evaluationId) as { id: number; name: string }[];
  const rows = readTestPredictions(project.db, arm.evaluationId!);
  const names = new Map((project.db.prepare('SELECT i.id, i.rel_path AS rel, p.code FROM images i LEFT JOIN patients p ON p.id = i.patient_id WHERE i.id IN (SELECT image_id FROM predictions WHERE evaluation_id = ?)').all(arm.evaluationId) as { id: number; rel: string; code: string | null }[]).map((r) => [r.id, r]));
  if (labels.length > MAX_LABELS) section.notes.push(`The first ${MAX_LABELS} of ${labels.length} labels are shown.`);
  const { attentionForImage } = await import('../ml/inspect/attention-service.js');
  for (const label of labels.slice(0, MAX_LABELS)) {
    const perLabel = metrics.perLabel.find((l: BinaryLabelMetrics) => l.label === label.name);
    const threshold = metrics.task === 'multi_label' ? (perLabel?.threshold ?? 0.5) : null;
    const picks = pickExamples(rows, label.id, threshold);
    const missing = (['true positive', 'false positive', 'false negative'] as const).filter((k) => !picks.some((p) => p.kind === k));
    if (missing.length > 0) section.notes.push(`${label.name}: the test split has no ${missing.join(', no ')}.`);
    for (const { kind, row } of picks) {
      try {
        const r = await attentionForImage(project, { runId: arm.runId, imageId: row.imageId, rollout: false, overlay: { threshold: 0.6, opacity: 0.5, colourMap: 'inferno' } });
        section.model ??= r.model;
        const image = names.get(row.imageId);
        section.examples.push({ label: label.name, kind, imageId: row.imageId, fileName: image?.rel ?? String(row.imageId), patient: image?.code ?? null, score: row.score, threshold, png: await toDataUri(r.png!) });
      } catch (err) {
        section.notes.push(`${label.name}, ${kind} (image ${row.imageId}): no attention map (${err instanceof Error ? err.message : String(err)}).`);
      }
    }
  }
}
