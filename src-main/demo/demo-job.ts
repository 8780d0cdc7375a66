/**
 * The `demo.generate` job: renders the built-in synthetic OCT dataset into the project's
 * `demo-data/` folder and registers it like any imported source (patients, volumes, images with
 * content hashes, a biomarker label set, BCVA/CST). Idempotent and resumable: an image that is
 * already registered is skipped, so a killed run simply continues where it stopped.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { JobHandler } from '../jobs/job-context.js';
import type { Project } from '../project/project.js';
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
  labelSetId: number;
}

/** Ids of the rows every demo image refers to, created once. */
interface DemoRegistry {
  sourceId: number;
  labelSetId: number;
  annotatorId: number;
  labelIds: Map<string, number>;
}

function ensureRegistry(project: Project, root: string): DemoRegistry {
  const db = project.db;
  const now = new Date().toISOString();
  return db.transaction(() => {
    db.prepare(
      `INSERT INTO sources (kind, root_path, label, created_at) VALUES ('demo', ?, 'Built-in synthetic OCT demo', ?)
       ON CONFLICT (kind, root_path) DO NOTHING`,
    ).run(root, now);
    const sourceId = db.prepare("SELECT id FROM sources WHERE kind = 'demo' AND root_path = ?").pluck().get(root) as number;
    db.prepare(
      `INSERT INTO label_sets (name, kind, description, created_at) VALUES (?, 'multi_label', ?, ?)
       ON CONFLICT (name) DO NOTHING`,
    ).run(DEMO_LABEL_SET, 'Synthetic biomarkers drawn into the demo B-scans (ground truth).', now);
    const labelSetId = db.prepare('SELECT id FROM label_sets WHERE name = ?').pluck().get(DEMO_LABEL_SET) as number;
    const insertLabel = db.prepare(
      'INSERT INTO labels (label_set_id, name, position) VALUES (?, ?, ?) ON CONFLICT (label_set_id, name) DO NOTHING',
    );
    DEMO_BIOMARKERS.forEach((marker, i) => insertLabel.run(labelSetId, marker.name, i));
    const labelIds = new Map(
      (db.prepare('SELECT id, name FROM labels WHERE label_set_id = ?').all(labelSetId) as { id: number; name: string }[]).map(
        (l) => [l.name, l.id],
      ),
    );
    db.prepare("INSERT INTO annotators (name, kind, created_at) VALUES (?, 'import', ?) ON CONFLICT (name) DO NOTHING").run(
      DEMO_ANNOTATOR,
      now,
    );
    const annotatorId = db.prepare('SELECT id FROM annotators WHERE name = ?').pluck().get(DEMO_ANNOTATOR) as number;
    return { sourceId, labelSetId, annotatorId, labelIds };
  })();
}

/** Statements for registering one image with everything known about it, in one transaction. */
function imageRegistrar(project: Project, registry: DemoRegistry) {
  const db = project.db;
  const exists = db.prepare("SELECT 1 FROM images WHERE source_id = ? AND rel_path = ? AND frame_index = 0 AND status = 'ok'").pluck();
  const patient = db.prepare('INSERT INTO patients (code, created_at) VALUES (?, ?) ON CONFLICT (code) DO UPDATE SET code = code RETURNING id').pluck();
  const volume = db.prepare(
    `INSERT INTO volumes (patient_id, eye, visit, source_id, created_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT DO UPDATE SET patient_id = patient_id RETURNING id`,
  ).pluck();
  const image = db.prepare(
    `INSERT INTO images (source_id, rel_path, frame_index, content_hash, byte_size, width, height, bit_depth,
                         patient_id, eye, visit, volume_id, slice_index, status, imported_at)
     VALUES (@sourceId, @relPath, 0, @hash, @byteSize, @width, @height, 8, @patientId, @eye, @visit, @volumeId, @slice, 'ok', @now)
     ON CONFLICT (source_id, rel_path, frame_index) DO UPDATE SET
       content_hash = excluded.content_hash, byte_size = excluded.byte_size, status = 'ok', error = NULL
     RETURNING id`,
  ).pluck();
  const annotation = db.prepare(
    `INSERT INTO annotations (image_id, label_id, annotator_id, value, source, created_at, updated_at)
     VALUES (?, ?, ?, ?, 'import', ?, ?) ON CONFLICT (image_id, label_id, annotator_id) DO UPDATE SET value = excluded.value`,
  );
  const clinical = db.prepare(
    'INSERT INTO clinical_values (image_id, name, value, unit) VALUES (?, ?, ?, ?) ON CONFLICT (image_id, name) DO UPDATE SET value = excluded.value',
  );

  return {
    isRegistered: (plan: DemoImagePlan): boolean => exists.get(registry.sourceId, plan.relativePath) !== undefined,
    register: db.transaction((plan: DemoImagePlan, file: { hash: string; byteSize: number }) => {
      const now = new Date().toISOString();
      const patientId = patient.get(plan.patientCode, now) as number;
      const volumeId = volume.get(patientId, plan.eye, plan.visit, registry.sourceId, now) as number;
      const imageId = image.get({
        sourceId: registry.sourceId,
        relPath: plan.relativePath,
        hash: file.hash,
        byteSize: file.byteSize,
        width: plan.spec.width,
        height: plan.spec.height,
        patientId,
        eye: plan.eye,
        visit: plan.visit,
        volumeId,
        slice: plan.sliceIndex,
        now,
      }) as number;
      for (const marker of DEMO_BIOMARKERS) {
        const labelId = registry.labelIds.get(marker.name);
        if (labelId === undefined) continue;
        annotation.run(imageId, labelId, registry.annotatorId, plan.labels[marker.name] === 1 ? 'present' : 'absent', now, now);
      }
      clinical.run(imageId, 'BCVA', plan.clinical.BCVA, 'ETDRS letters');
      clinical.run(imageId, 'CST', plan.clinical.CST, 'µm');
    }),
  };
}

export const generateDemoDataset: JobHandler<DemoGenerateParams, DemoGenerateResult> = async (ctx, params) => {
  // Params override the shipped configuration field by field; the result is validated again.
  const overrides = Object.fromEntries(Object.entries(params).filter(([, value]) => value !== undefined));
  const config = validateDemoConfig({ ...(await loadDemoConfig()), ...overrides }, 'demo.generate parameters');
  const plans = planDemoDataset(config);
  const root = path.join(ctx.project.dir, DEMO_SOURCE_DIR);
  const registry = ensureRegistry(ctx.project, root);
  const registrar = imageRegistrar(ctx.project, registry);
  // Lets the app tell a finished demo from one whose generation was killed half-way.
  ctx.project.db
    .prepare("INSERT INTO project_meta (key, value) VALUES ('demoImages', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
    .run(String(plans.length));
  let created = 0;
  let skipped = 0;
  for (const [i, plan] of plans.entries()) {
    ctx.signal.throwIfAborted();
    if (registrar.isRegistered(plan)) {
      skipped++;
    } else {
      const written = await writeDemoImage(plan, root);
      const bytes = await readFile(written.absolutePath);
      registrar.register(plan, { hash: createHash('sha256').update(bytes).digest('hex'), byteSize: written.byteSize });
      created++;
    }
    ctx.progress({
      fraction: (i + 1) / plans.length,
      message: `Demo B-scan ${i + 1} of ${plans.length}`,
      metrics: { created, skipped },
    });
  }
  return { images: plans.length, created, skipped, labelSetId: registry.labelSetId };
};
