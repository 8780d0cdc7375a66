/**
 * The `annotate.queue` job: ranks the project's unlabelled images for one label set by a
 * selection strategy and stores the queue the Annotate view follows. Cold start (typiclust,
 * k-center) reads the DINO features of the latest pretraining (cached, see feature-cache.ts);
 * uncertainty (entropy, margin) scores the candidates with the latest classifier of the label
 * set. Labelled means: any value (present, absent, uncertain) from anyone for the set.
 */
import { existsSync } from 'node:fs';
import { TrainingCache } from '../../imaging/training-cache.js';
import type { JobHandler } from '../../jobs/job-context.js';
import { JobInputError } from '../../jobs/protocol.js';
import { loadEngine } from '../../ml/engine/index.js';
import { armClassifierFile, buildBackbone, type ArmRunConfig } from '../../ml/finetune/arm-job.js';
import { loadClassifierState } from '../../ml/finetune/classifier-state.js';
import { LinearHead } from '../../ml/finetune/linear-head.js';
import { toProbabilities } from '../../ml/finetune/scoring.js';
import { predictLogits } from '../../ml/finetune/train-network.js';
import type { EvaluationMetrics } from '../../ml/metrics/index.js';
import { AnnotationsRepository } from '../../project/annotations.js';
import { RunsRepository } from '../../project/runs.js';
import type { Subset } from '../../project/splits.js';
import { selectNext, type Suggestion } from '../selection/select.js';
import type { SelectionCandidate } from '../selection/constraints.js';
import { imageFeatures } from './feature-cache.js';
import type { QueueParams } from './queue-params.js';

export interface QueueResult {
  queueId: number;
  strategy: QueueParams['strategy'];
  sourceRunId: number | null;
  candidates: number;
  labelled: number;
  items: Suggestion[];
}

interface Candidate extends SelectionCandidate {
  slot: number;
}

export const queueJob: JobHandler<QueueParams, QueueResult> = async (ctx, params) => {
  const { db } = ctx.project;
  const set = new AnnotationsRepository(db).labelSet(params.labelSetId);
  const split = db.prepare('SELECT max(id) FROM splits').pluck().get() as number | null;
  const candidates = db
    .prepare(
      `SELECT i.id AS imageId, i.patient_id AS patientId, i.cache_offset AS slot, sa.subset AS subset FROM images i
       LEFT JOIN split_assignments sa ON sa.split_id = ? AND sa.patient_id = i.patient_id
       WHERE i.status = 'ok' AND i.cache_offset IS NOT NULL ORDER BY i.id`,
    )
    .all(split) as (Candidate & { subset: Subset | null })[];
  const labelledIds = new Set(
    db.prepare('SELECT DISTINCT a.image_id FROM annotations a JOIN labels l ON l.id = a.label_id WHERE l.label_set_id = ?').pluck().all(set.id) as number[],
  );
  const labelled = candidates.flatMap((c, i) => (labelledIds.has(c.imageId) ? [i] : []));
  const runs = new RunsRepository(db);
  const base = { strategy: params.strategy, candidates, labelled, budget: params.budget, seed: params.seed, onePerPatient: params.onePerPatient, trainOnly: params.trainOnly };
  let items: Suggestion[];
  let sourceRunId: number | null = null;
  ctx.progress({ fraction: 0.02, message: `${candidates.length - labelled.length} unlabelled of ${candidates.length} images` });

  if (params.strategy === 'random') {
    items = selectNext(base);
  } else if (params.strategy === 'typiclust' || params.strategy === 'k-center') {
    sourceRunId = params.pretrainRunId ?? (db.prepare("SELECT max(id) FROM runs WHERE kind = 'pretrain' AND status = 'completed'").pluck().get() as number | null);
    if (sourceRunId === null) throw new JobInputError(`${params.strategy} needs DINO features: finish a pretraining run first (or use the random strategy).`);
    const { tf } = await loadEngine(params.backend ? { only: [params.backend] } : {});
    ctx.progress({ fraction: 0.05, message: `DINO features of run ${sourceRunId}` });
    const table = await imageFeatures(tf, ctx.project, sourceRunId, { signal: ctx.signal });
    ctx.progress({ fraction: 0.7, message: `${params.strategy} over ${table.imageIds.length} images` });
    items = selectNext({ ...base, features: table.features, dim: table.dim });
  } else {
    const classifierRun =
      params.classifierRunId !== undefined
        ? runs.get(params.classifierRunId)
        : runs.get(
            (db
              .prepare("SELECT max(id) FROM runs WHERE kind IN ('finetune', 'linear_probe', 'supervised') AND status = 'completed' AND label_set_id = ?")
              .pluck()
              .get(set.id) as number | null) ?? -1,
          );
    if (!classifierRun) throw new JobInputError(`${params.strategy} needs a trained classifier for "${set.name}": run the pipeline or octdino finetune first (or use typiclust).`);
    const config = classifierRun.config as ArmRunConfig;
    const file = armClassifierFile(ctx.project.dir, classifierRun.id);
    if (!existsSync(file)) throw new JobInputError(`The classifier of run ${classifierRun.id} is missing (${file}).`);
    sourceRunId = classifierRun.id;
    const { tf } = await loadEngine(params.backend ? { only: [params.backend] } : {});
    const backbone = buildBackbone(tf, config.backbone, config.seed);
    const head = new LinearHead(tf, backbone.outDim, set.labels.length, config.seed);
    const cache = TrainingCache.open(ctx.project.path('cache'));
    try {
      await loadClassifierState(tf, { backbone, head }, file);
      // Only the images the queue may take are scored: the others cost time and change nothing.
      const pool = candidates.filter((c) => !labelledIds.has(c.imageId) && (!params.trainOnly || c.subset === 'train' || split === null));
      const logits = await predictLogits(tf, {
        cache,
        subset: { imageIds: pool.map((c) => c.imageId), slots: pool.map((c) => c.slot), patients: [], truth: new Int8Array(0) },
        backbone,
        head,
        inputSize: config.settings.inputSize,
        signal: ctx.signal,
      });
      const probs = toProbabilities(logits, set.labels.length, set.kind);
      const test = runs.evaluation(classifierRun.id, 'test')?.metrics as EvaluationMetrics | undefined;
      const thresholds = test?.task === 'multi_label' ? test.perLabel.map((l) => l.threshold ?? 0.5) : undefined;
      items = selectNext({
        ...base,
        candidates: pool,
        labelled: [],
        probabilities: probs,
        labels: set.labels.length,
        task: set.kind === 'multi_label' ? 'multi-label' : 'single-label',
        labelNames: set.labels.map((l) => l.name),
        ...(thresholds ? { thresholds } : {}),
      });
    } finally {
      backbone.dispose();
      head.dispose();
      await cache.close();
    }
  }
  const queueId = db.transaction(() => {
    const id = Number(
      db
        .prepare('INSERT INTO annotation_queues (label_set_id, strategy, params_json, source_run_id, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(set.id, params.strategy, JSON.stringify(params), sourceRunId, new Date().toISOString()).lastInsertRowid,
    );
    const insert = db.prepare('INSERT INTO annotation_queue_items (queue_id, rank, image_id, reason, score) VALUES (?, ?, ?, ?, ?)');
    for (const it of items) insert.run(id, it.rank, it.imageId, it.reason, it.score);
    return id;
  })();
  ctx.progress({ fraction: 1, message: `Queue of ${items.length} images (${params.strategy})` });
  return { queueId, strategy: params.strategy, sourceRunId, candidates: candidates.length, labelled: labelled.length, items };
};
