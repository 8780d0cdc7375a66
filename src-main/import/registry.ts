/**
 * Writes what an import learned into the project database: the source, patients, volumes,
 * images, labels and clinical values. Every import (OLIVES, folders, DICOM, the demo) goes
 * through here, so the rules live in one place:
 * - an image is identified by (source, relative path, frame); a second import of the same file
 *   updates it in place, so re-importing adds nothing;
 * - a label given by a source is written as that source's annotation; a label the source leaves
 *   blank is not written at all (unknown is not "absent");
 * - writes are batched into short synchronous transactions, so a kill loses at most the batch
 *   in flight and never leaves half an image registered.
 */
import type { SqliteDatabase } from '../project/database.js';
import type { EntryMeta, LabelValue, SourceLabelSet } from './source-entry.js';

export type SourceKind = 'olives' | 'folder' | 'folder_classes' | 'folder_csv' | 'dicom' | 'demo';

export interface LabelSetIds {
  id: number;
  labelIds: ReadonlyMap<string, number>;
}

/** One decoded image (or DICOM frame) ready to be recorded. */
export interface ImageRecord {
  relPath: string;
  frameIndex: number;
  contentHash: string;
  byteSize: number;
  width: number;
  height: number;
  bitDepth: number;
  meta: EntryMeta;
  /** Slot in the training cache, or null when the cache was not written. */
  cacheSlot: number | null;
  /** Display window used for the 8-bit rescale of >8-bit data. */
  window: { low: number; high: number } | null;
  /** Per-volume facts from the file (DICOM): acquisition date, pixel spacing in mm. */
  studyDate?: string;
  pixelSpacing?: { row: number; column: number; sliceThickness?: number };
}

export interface ExistingImage {
  id: number;
  status: 'pending' | 'ok' | 'error';
  byteSize: number | null;
  contentHash: string | null;
}

const now = (): string => new Date().toISOString();

export class ImportRegistry {
  private readonly stmts;
  private readonly patientIds = new Map<string, number>();
  private readonly volumeIds = new Map<string, number>();

  constructor(private readonly db: SqliteDatabase) {
    this.stmts = {
      existing: db.prepare(
        `SELECT id, status, byte_size AS byteSize, content_hash AS contentHash
         FROM images WHERE source_id = ? AND rel_path = ? AND frame_index = ?`,
      ),
      byHash: db.prepare(
        `SELECT i.id, s.root_path || '/' || i.rel_path AS path FROM images i JOIN sources s ON s.id = i.source_id
         WHERE i.content_hash = ? AND i.frame_index = ? AND i.status = 'ok' LIMIT 1`,
      ),
      patient: db
        .prepare('INSERT INTO patients (code, created_at) VALUES (?, ?) ON CONFLICT (code) DO UPDATE SET code = excluded.code RETURNING id')
        .pluck(),
      volume: db
        .prepare(
          `INSERT INTO volumes (patient_id, eye, visit, study_date, source_id, pixel_spacing_json, created_at)
           VALUES (@patientId, @eye, @visit, @studyDate, @sourceId, @spacing, @now)
           ON CONFLICT DO UPDATE SET study_date = coalesce(excluded.study_date, study_date),
             pixel_spacing_json = coalesce(excluded.pixel_spacing_json, pixel_spacing_json)
           RETURNING id`,
        )
        .pluck(),
      image: db
        .prepare(
          `INSERT INTO images (source_id, rel_path, frame_index, content_hash, byte_size, width, height, bit_depth,
                               patient_id, eye, visit, volume_id, slice_index, status, error, cache_offset,
                               window_low, window_high, imported_at)
           VALUES (@sourceId, @relPath, @frameIndex, @contentHash, @byteSize, @width, @height, @bitDepth,
                   @patientId, @eye, @visit, @volumeId, @sliceIndex, 'ok', NULL, @cacheSlot, @windowLow, @windowHigh, @now)
           ON CONFLICT (source_id, rel_path, frame_index) DO UPDATE SET
             content_hash = excluded.content_hash, byte_size = excluded.byte_size, width = excluded.width,
             height = excluded.height, bit_depth = excluded.bit_depth, patient_id = excluded.patient_id,
             eye = excluded.eye, visit = excluded.visit, volume_id = excluded.volume_id,
             slice_index = excluded.slice_index, status = 'ok', error = NULL,
             cache_offset = coalesce(excluded.cache_offset, cache_offset),
             window_low = excluded.window_low, window_high = excluded.window_high
           RETURNING id`,
        )
        .pluck(),
      failure: db.prepare(
        `INSERT INTO images (source_id, rel_path, frame_index, status, error, imported_at)
         VALUES (?, ?, 0, 'error', ?, ?)
         ON CONFLICT (source_id, rel_path, frame_index) DO UPDATE SET status = 'error', error = excluded.error`,
      ),
      annotation: db.prepare(
        `INSERT INTO annotations (image_id, label_id, annotator_id, value, source, created_at, updated_at)
         VALUES (@imageId, @labelId, @annotatorId, @value, 'import', @now, @now)
         ON CONFLICT (image_id, label_id, annotator_id) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
         WHERE value <> excluded.value`,
      ),
      clinical: db.prepare(
        `INSERT INTO clinical_values (image_id, name, value, unit) VALUES (?, ?, ?, ?)
         ON CONFLICT (image_id, name) DO UPDATE SET value = excluded.value`,
      ),
      maxSlot: db.prepare('SELECT max(cache_offset) FROM images').pluck(),
    };
  }

  /** The source row for (kind, root), created on first import. */
  ensureSource(kind: SourceKind, rootPath: string, label: string, options: object = {}): number {
    this.db
      .prepare(
        `INSERT INTO sources (kind, root_path, label, options_json, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (kind, root_path) DO UPDATE SET options_json = excluded.options_json`,
      )
      .run(kind, rootPath, label, JSON.stringify(options), now());
    return this.db.prepare('SELECT id FROM sources WHERE kind = ? AND root_path = ?').pluck().get(kind, rootPath) as number;
  }

  /** The label set and its labels, created or extended (existing labels keep their position). */
  ensureLabelSet(definition: SourceLabelSet, description = ''): LabelSetIds {
    return this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO label_sets (name, kind, description, created_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (name) DO NOTHING`,
        )
        .run(definition.name, definition.kind, description, now());
      const id = this.db.prepare('SELECT id FROM label_sets WHERE name = ?').pluck().get(definition.name) as number;
      const nextPosition = this.db.prepare('SELECT coalesce(max(position) + 1, 0) FROM labels WHERE label_set_id = ?').pluck();
      const insert = this.db.prepare('INSERT INTO labels (label_set_id, name, position) VALUES (?, ?, ?) ON CONFLICT (label_set_id, name) DO NOTHING');
      for (const name of definition.labels) insert.run(id, name, nextPosition.get(id) as number);
      const rows = this.db.prepare('SELECT id, name FROM labels WHERE label_set_id = ?').all(id) as { id: number; name: string }[];
      return { id, labelIds: new Map(rows.map((r) => [r.name, r.id])) };
    })();
  }

  ensureAnnotator(name: string, kind: 'human' | 'import' | 'model'): number {
    this.db.prepare('INSERT INTO annotators (name, kind, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING').run(name, kind, now());
    return this.db.prepare('SELECT id FROM annotators WHERE name = ?').pluck().get(name) as number;
  }

  existing(sourceId: number, relPath: string, frameIndex = 0): ExistingImage | undefined {
    return this.stmts.existing.get(sourceId, relPath, frameIndex) as ExistingImage | undefined;
  }

  /** An already imported image with the same content (e.g. the same folder imported from a copy). */
  sameContent(contentHash: string, frameIndex: number): { id: number; path: string } | undefined {
    return this.stmts.byHash.get(contentHash, frameIndex) as { id: number; path: string } | undefined;
  }

  /** First free training-cache slot (slots of a killed import are simply reused). */
  nextCacheSlot(): number {
    const max = this.stmts.maxSlot.get() as number | null;
    return max === null ? 0 : max + 1;
  }

  /** Records a batch of images with their labels and clinical values in one transaction. */
  registerBatch(
    sourceId: number,
    records: readonly ImageRecord[],
    labels: { set: LabelSetIds; annotatorId: number } | null,
  ): number[] {
    return this.db.transaction(() => records.map((record) => this.registerOne(sourceId, record, labels)))();
  }

  /** Applies a source's labels and clinical values to an image imported earlier from elsewhere. */
  annotateExisting(imageId: number, meta: EntryMeta, labels: { set: LabelSetIds; annotatorId: number } | null): void {
    this.db.transaction(() => this.writeLabelsAndClinical(imageId, meta, labels))();
  }

  recordFailure(sourceId: number, relPath: string, reason: string): void {
    this.stmts.failure.run(sourceId, relPath, reason, now());
  }

  private registerOne(sourceId: number, record: ImageRecord, labels: { set: LabelSetIds; annotatorId: number } | null): number {
    const time = now();
    const { meta } = record;
    const patientId = meta.patient ? this.patientId(meta.patient, time) : null;
    const volumeId =
      patientId !== null
        ? this.volumeId(sourceId, patientId, meta.eye ?? null, meta.visit ?? null, record, time)
        : null;
    const imageId = this.stmts.image.get({
      sourceId,
      relPath: record.relPath,
      frameIndex: record.frameIndex,
      contentHash: record.contentHash,
      byteSize: record.byteSize,
      width: record.width,
      height: record.height,
      bitDepth: record.bitDepth,
      patientId,
      eye: meta.eye ?? null,
      visit: meta.visit ?? null,
      volumeId,
      sliceIndex: meta.sliceIndex ?? null,
      cacheSlot: record.cacheSlot,
      windowLow: record.window?.low ?? null,
      windowHigh: record.window?.high ?? null,
      now: time,
    }) as number;
    this.writeLabelsAndClinical(imageId, meta, labels);
    return imageId;
  }

  private writeLabelsAndClinical(imageId: number, meta: EntryMeta, labels: { set: LabelSetIds; annotatorId: number } | null): void {
    const time = now();
    if (labels && meta.labels) {
      for (const [name, value] of Object.entries(meta.labels) as [string, LabelValue][]) {
        const labelId = labels.set.labelIds.get(name);
        if (labelId === undefined) throw new Error(`Label "${name}" is not in label set ${labels.set.id}`);
        this.stmts.annotation.run({ imageId, labelId, annotatorId: labels.annotatorId, value, now: time });
      }
    }
    for (const [name, value] of Object.entries(meta.clinical ?? {})) {
      if (Number.isFinite(value)) this.stmts.clinical.run(imageId, name, value, CLINICAL_UNITS[name] ?? null);
    }
  }

  private patientId(code: string, time: string): number {
    let id = this.patientIds.get(code);
    if (id === undefined) {
      id = this.stmts.patient.get(code, time) as number;
      this.patientIds.set(code, id);
    }
    return id;
  }

  private volumeId(sourceId: number, patientId: number, eye: string | null, visit: string | null, record: ImageRecord, time: string): number {
    const key = `${sourceId}\u0000${patientId}\u0000${eye ?? ''}\u0000${visit ?? ''}`;
    let id = this.volumeIds.get(key);
    if (id === undefined || record.pixelSpacing || record.studyDate) {
      id = this.stmts.volume.get({
        patientId,
        eye,
        visit,
        studyDate: record.studyDate ?? null,
        sourceId,
        spacing: record.pixelSpacing ? JSON.stringify(record.pixelSpacing) : null,
        now: time,
      }) as number;
      this.volumeIds.set(key, id);
    }
    return id;
  }
}

/** Units of the clinical values the importers know; others are stored without a unit. */
const CLINICAL_UNITS: Record<string, string> = { BCVA: 'ETDRS letters', CST: 'µm' };

export function labelValueOf(present: boolean): LabelValue {
  return present ? 'present' : 'absent';
}
