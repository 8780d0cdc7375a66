/**
 * The `demo.generate` job: renders the built-in synthetic OCT dataset into the project's
 * `demo-data/` folder, then imports it through the same pipeline as any user data (hashes,
 * thumbnails, training cache, patients, volumes, biomarker labels, BCVA/CST). Idempotent and
 * resumable: files already written are not rendered again and images already imported are
 * skipped, so a killed run simply continues where it stopped.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { runImport } from '../import/import-pipeline.js';
import type { ImportPlan } from '../import/import-plan.js';
import type { SourceEntry } from '../import/source-entry.js';
import type { JobHandler } from '../jobs/job-context.js';
import { validateDemoConfig } from './demo-config.js';
import { DEMO_BIOMARKERS, loadDemoConfig, planDemoDataset, writeDemoImage, type DemoImagePlan } from './demo-dataset.js';
import type { DemoGenerateParams } from './demo-job-params.js';

export const DEMO_SOURCE_DIR = 'demo-data';
export const DEMO_LABEL_SET = 'Demo biomarkers';
const DEMO_ANNOTATOR = 'Demo generator (ground truth)';

export interface DemoGenerateResult {
  images: number;
  created: number;
  skipped: number;
  failed: number;
}

function toEntry(plan: DemoImagePlan): SourceEntry {
  return {
    relPath: plan.relativePath,
    format: 'image',
    meta: {
      patient: plan.patientCode,
      eye: plan.eye,
      visit: plan.visit,
      sliceIndex: plan.sliceIndex,
      labels: Object.fromEntries(DEMO_BIOMARKERS.map((m) => [m.name, plan.labels[m.name] === 1 ? 'present' : 'absent'])),
      clinical: { BCVA: plan.clinical.BCVA, CST: plan.clinical.CST },
    },
  };
}

export const generateDemoDataset: JobHandler<DemoGenerateParams, DemoGenerateResult> = async (ctx, params) => {
  // Params override the shipped configuration field by field; the result is validated again.
  const overrides = Object.fromEntries(Object.entries(params).filter(([, value]) => value !== undefined));
  const config = validateDemoConfig({ ...(await loadDemoConfig()), ...overrides }, 'demo.generate parameters');
  const plans = planDemoDataset(config);
  const root = path.join(ctx.project.dir, DEMO_SOURCE_DIR);
  // Lets the app tell a finished demo from one whose generation was killed half-way.
  ctx.project.db
    .prepare("INSERT INTO project_meta (key, value) VALUES ('demoImages', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
    .run(String(plans.length));

  for (const [i, plan] of plans.entries()) {
    ctx.signal.throwIfAborted();
    // writeDemoImage renames into place, so an existing file is always complete.
    if (!existsSync(path.join(root, ...plan.relativePath.split('/')))) await writeDemoImage(plan, root);
    ctx.progress({ fraction: (0.5 * (i + 1)) / plans.length, message: `Rendering demo B-scan ${i + 1} of ${plans.length}` });
  }

  const importPlan: ImportPlan = {
    source: { kind: 'demo', root, label: 'Built-in synthetic OCT demo', options: config },
    entries: plans.map(toEntry),
    labelSet: { name: DEMO_LABEL_SET, kind: 'multi_label', labels: DEMO_BIOMARKERS.map((m) => m.name) },
    annotator: DEMO_ANNOTATOR,
    skipped: [],
    rowsWithoutImage: [],
    imagesWithoutLabels: 0,
    warnings: [],
  };
  const result = await runImport(ctx, importPlan, { progressRange: [0.5, 1] });
  return { images: plans.length, created: result.added, skipped: result.skipped, failed: result.failed.length };
};
