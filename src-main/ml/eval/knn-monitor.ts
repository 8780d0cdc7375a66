/**
 * Online k-NN monitor of a pretraining run (the reference prints a k-NN score after training;
 * DINO practice tracks it per epoch): at the end of each epoch the *teacher* backbone embeds a
 * fixed bank of labelled train images and a fixed set of labelled validation queries, and the
 * weighted k-NN (k = 20, T = 0.07) scores them. Rising k-NN scores say the features learn
 * something about the biomarkers; flat ones at chance, with a low teacher entropy, say collapse.
 *
 * The images are chosen once per run (`selectKnnData`), so the numbers of successive epochs
 * are comparable. Only evaluation-mode forwards are run: training state, random streams and
 * therefore a resumed run's losses are untouched.
 */
import type { TrainingCache } from '../../imaging/training-cache.js';
import type { SqliteDatabase } from '../../project/database.js';
import type { Tf } from '../engine/index.js';
import type { Backbone } from '../models/backbone.js';
import { extractCacheFeatures } from '../embed/extract.js';
import { KNN_K, KNN_TEMPERATURE, knnClassify, knnMultiLabel } from './knn.js';
import { selectKnnData, type KnnData, type KnnDataOptions } from './knn-data.js';

export interface KnnMonitorReport {
  /** Metric name → value, named `knn_<metric>` (per label: `knn_auroc_<label slug>`). */
  metrics: Record<string, number>;
  /** One line for the job's progress. */
  summary: string;
}

export class KnnMonitor {
  private constructor(
    readonly data: KnnData,
    readonly inputSize: number,
  ) {}

  /** The monitor for a run, or `{ skip }` with the reason there is none. */
  static prepare(db: SqliteDatabase, splitId: number | null, opts: KnnDataOptions & { inputSize: number }): { monitor: KnnMonitor; skip?: undefined } | { monitor?: undefined; skip: string } {
    const selection = selectKnnData(db, splitId, opts);
    if (selection.skip !== undefined) return { skip: selection.skip };
    return { monitor: new KnnMonitor(selection.data, opts.inputSize) };
  }

  get description(): string {
    const { bank, queries, labelSet, queriesFrom } = this.data;
    const from = queriesFrom === 'val' ? 'val' : 'held-out train patients';
    return `k-NN on "${labelSet.name}": ${bank.imageIds.length} train images as bank, ${queries.imageIds.length} ${from} images as queries`;
  }

  async evaluate(tf: Tf, backbone: Backbone, cache: TrainingCache, signal?: AbortSignal): Promise<KnnMonitorReport> {
    const opts = { inputSize: this.inputSize, ...(signal ? { signal } : {}) };
    const bank = await extractCacheFeatures(tf, backbone, cache, this.data.bank.slots, opts);
    const queries = await extractCacheFeatures(tf, backbone, cache, this.data.queries.slots, opts);
    const { labelSet } = this.data;
    const knnOpts = { k: KNN_K, temperature: KNN_TEMPERATURE, tf };
    const metrics: Record<string, number> = {};
    if (labelSet.kind === 'multi_label') {
      const r = knnMultiLabel(
        {
          dim: bank.dim,
          numLabels: labelSet.labels.length,
          bankFeatures: bank.features,
          bankLabels: this.data.bank.labels as Int8Array,
          queryFeatures: queries.features,
          queryLabels: this.data.queries.labels as Int8Array,
        },
        knnOpts,
      );
      if (r.macroAuroc !== null) metrics.knn_macro_auroc = r.macroAuroc;
      if (r.macroBalancedAccuracy !== null) metrics.knn_macro_balanced_accuracy = r.macroBalancedAccuracy;
      for (const label of r.perLabel) {
        const slug = metricSlug(labelSet.labels[label.label] ?? String(label.label));
        if (label.auroc !== null) metrics[`knn_auroc_${slug}`] = label.auroc;
        if (label.balancedAccuracy !== null) metrics[`knn_balanced_accuracy_${slug}`] = label.balancedAccuracy;
      }
      const fmt = (v: number | null): string => (v === null ? 'n/a' : v.toFixed(3));
      return { metrics, summary: `k-NN (teacher, k=${KNN_K}): macro AUROC ${fmt(r.macroAuroc)}, macro balanced accuracy ${fmt(r.macroBalancedAccuracy)}` };
    }
    const r = knnClassify(
      {
        dim: bank.dim,
        numClasses: labelSet.labels.length,
        bankFeatures: bank.features,
        bankLabels: this.data.bank.labels as Int32Array,
        queryFeatures: queries.features,
        queryLabels: this.data.queries.labels as Int32Array,
      },
      knnOpts,
    );
    metrics.knn_top1 = r.top1;
    return { metrics, summary: `k-NN (teacher, k=${KNN_K}): top-1 ${(100 * r.top1).toFixed(1)}%` };
  }
}

/** "Fluid (IRF)" → "fluid_irf". */
export function metricSlug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'label';
}
