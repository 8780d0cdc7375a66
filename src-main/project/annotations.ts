/**
 * Labels as people give them: label sets and their labels, annotators, one annotation per
 * (image, label, annotator), adjudication, and the time spent per image. Every call is one
 * synchronous SQLite transaction, so a label is on disk the moment the call returns (a killed
 * app loses nothing) and a failed call changes nothing.
 *
 * Undo is the caller's: every write returns the values it replaced, and writing those back
 * (null = no annotation) restores the previous state exactly.
 */
import type { SqliteDatabase } from './database.js';

export type AnnotationValue = 'present' | 'absent' | 'uncertain';
export type LabelSetKind = 'multi_label' | 'single_label';

export interface LabelSetDefinition {
  id: number;
  name: string;
  kind: LabelSetKind;
  description: string;
  labels: { id: number; name: string; position: number; shortName: string | null }[];
}

export interface Annotator {
  id: number;
  name: string;
  kind: 'human' | 'import' | 'model';
}

/** What one write replaced: enough to undo it. */
export interface AnnotationChange {
  imageId: number;
  labelId: number;
  annotatorId: number;
  previous: AnnotationValue | null;
  value: AnnotationValue | null;
}

export interface ImageLabel {
  labelId: number;
  name: string;
  /** This annotator's value. */
  mine: AnnotationValue | null;
  /** The value training uses (adjudicated > human > imported > model) and where it comes from. */
  effective: { value: AnnotationValue; source: string; annotator: string } | null;
  /** Everyone's values (other annotators, imports, adjudication). */
  all: { annotator: string; source: string; value: AnnotationValue }[];
}

/** The six biomarkers most OLIVES work reports (2023 challenge order), named as in its label file. */
export const OLIVES_BIOMARKER_PRESET = Object.freeze({
  // Not "OLIVES biomarkers": that is the 16-label set an OLIVES import creates.
  name: 'OLIVES six biomarkers',
  kind: 'multi_label' as const,
  description: 'The six OLIVES biomarkers of the 2023 challenge (B1–B6).',
  labels: [
    { name: 'IR HRF', shortName: 'IRHRF' },
    { name: 'Partially attached vitreous face', shortName: 'PAVF' },
    { name: 'Fully attached vitreous face', shortName: 'FAVF' },
    { name: 'Vitreous debris', shortName: 'VD' },
    { name: 'DRT/ME', shortName: 'DRT' },
    { name: 'Fluid (IRF)', shortName: 'IRF' },
  ],
});

export class AnnotationError extends Error {
  override readonly name = 'AnnotationError';
}

const now = (): string => new Date().toISOString();

export class AnnotationsRepository {
  constructor(private readonly db: SqliteDatabase) {}

  // ---- label sets ----

  labelSets(): LabelSetDefinition[] {
    const sets = this.db.prepare('SELECT id, name, kind, description FROM label_sets ORDER BY id').all() as Omit<LabelSetDefinition, 'labels'>[];
    const labels = this.db.prepare('SELECT id, name, position, short_name AS shortName FROM labels WHERE label_set_id = ? ORDER BY position');
    return sets.map((s) => ({ ...s, labels: labels.all(s.id) as LabelSetDefinition['labels'] }));
  }

  labelSet(id: number): LabelSetDefinition {
    const set = this.labelSets().find((s) => s.id === id);
    if (!set) throw new AnnotationError(`No label set ${id} in this project.`);
    return set;
  }

  createLabelSet(def: { name: string; kind: LabelSetKind; description?: string; labels: (string | { name: string; shortName?: string })[] }): LabelSetDefinition {
    const name = def.name.trim();
    if (!name) throw new AnnotationError('A label set needs a name.');
    const labels = def.labels.map((l) => (typeof l === 'string' ? { name: l.trim() } : { ...l, name: l.name.trim() }));
    if (labels.length === 0) throw new AnnotationError('A label set needs at least one label.');
    if (def.kind === 'single_label' && labels.length < 2) throw new AnnotationError('A single-label task needs at least two classes.');
    const names = labels.map((l) => l.name.toLowerCase());
    const dup = names.find((n, i) => !n || names.indexOf(n) !== i);
    if (dup !== undefined) throw new AnnotationError(dup ? `The label "${dup}" is given twice.` : 'A label needs a name.');
    if (this.db.prepare('SELECT 1 FROM label_sets WHERE name = ?').get(name)) throw new AnnotationError(`A label set named "${name}" exists already.`);
    const id = this.db.transaction(() => {
      const setId = Number(this.db.prepare('INSERT INTO label_sets (name, kind, description, created_at) VALUES (?, ?, ?, ?)').run(name, def.kind, def.description ?? '', now()).lastInsertRowid);
      const insert = this.db.prepare('INSERT INTO labels (label_set_id, name, position, short_name) VALUES (?, ?, ?, ?)');
      labels.forEach((l, i) => insert.run(setId, l.name, i, 'shortName' in l ? (l.shortName ?? null) : null));
      return setId;
    })();
    return this.labelSet(id);
  }

  /** Adds the OLIVES six-biomarker set (or returns it when it exists). */
  addOlivesPreset(): LabelSetDefinition {
    const existing = this.labelSets().find((s) => s.name === OLIVES_BIOMARKER_PRESET.name);
    return existing ?? this.createLabelSet({ ...OLIVES_BIOMARKER_PRESET, labels: [...OLIVES_BIOMARKER_PRESET.labels] });
  }

  /**
   * Renames labels, adds new ones at the end, and reorders (keys 1–9 follow the order). A label
   * that has annotations is removed only with `removeAnnotated`, since its labels go with it.
   */
  updateLabelSet(id: number, change: { name?: string; labels: { id?: number; name: string; shortName?: string | null }[]; removeAnnotated?: boolean }): LabelSetDefinition {
    const current = this.labelSet(id);
    const keep = new Set(change.labels.flatMap((l) => (l.id !== undefined ? [l.id] : [])));
    for (const l of change.labels) if (l.id !== undefined && !current.labels.some((c) => c.id === l.id)) throw new AnnotationError(`Label ${l.id} is not in "${current.name}".`);
    const removed = current.labels.filter((l) => !keep.has(l.id));
    const count = this.db.prepare('SELECT count(*) FROM annotations WHERE label_id = ?').pluck();
    const annotated = removed.filter((l) => (count.get(l.id) as number) > 0);
    if (annotated.length > 0 && !change.removeAnnotated) {
      throw new AnnotationError(`Removing ${annotated.map((l) => `"${l.name}"`).join(', ')} would delete their annotations; confirm to remove them anyway.`);
    }
    const names = change.labels.map((l) => l.name.trim().toLowerCase());
    const dup = names.find((n, i) => !n || names.indexOf(n) !== i);
    if (dup !== undefined) throw new AnnotationError(dup ? `The label "${dup}" is given twice.` : 'A label needs a name.');
    this.db.transaction(() => {
      if (change.name !== undefined && change.name.trim() !== current.name) {
        if (this.db.prepare('SELECT 1 FROM label_sets WHERE name = ? AND id <> ?').get(change.name.trim(), id)) throw new AnnotationError(`A label set named "${change.name.trim()}" exists already.`);
        this.db.prepare('UPDATE label_sets SET name = ? WHERE id = ?').run(change.name.trim(), id);
      }
      for (const l of removed) this.db.prepare('DELETE FROM labels WHERE id = ?').run(l.id);
      // Positions are unique: park every kept label out of the way, then number them in order.
      this.db.prepare('UPDATE labels SET position = position + 100000 WHERE label_set_id = ?').run(id);
      change.labels.forEach((l, i) => {
        if (l.id !== undefined) this.db.prepare('UPDATE labels SET name = ?, position = ?, short_name = ? WHERE id = ?').run(l.name.trim(), i, l.shortName ?? null, l.id);
        else this.db.prepare('INSERT INTO labels (label_set_id, name, position, short_name) VALUES (?, ?, ?, ?)').run(id, l.name.trim(), i, l.shortName ?? null);
      });
    })();
    return this.labelSet(id);
  }

  deleteLabelSet(id: number, opts: { removeAnnotated?: boolean } = {}): void {
    const set = this.labelSet(id);
    const n = this.db.prepare('SELECT count(*) FROM annotations a JOIN labels l ON l.id = a.label_id WHERE l.label_set_id = ?').pluck().get(id) as number;
    if (n > 0 && !opts.removeAnnotated) throw new AnnotationError(`"${set.name}" has ${n} annotations; confirm to delete them with it.`);
    this.db.prepare('DELETE FROM label_sets WHERE id = ?').run(id);
  }

  // ---- annotators ----

  annotators(): Annotator[] {
    return this.db.prepare('SELECT id, name, kind FROM annotators ORDER BY id').all() as Annotator[];
  }

  /** The annotator of that name, created as a human annotator when new. */
  ensureAnnotator(name: string): Annotator {
    const clean = name.trim();
    if (!clean || clean.length > 100) throw new AnnotationError('An annotator needs a name of 1–100 characters.');
    this.db.prepare("INSERT INTO annotators (name, kind, created_at) VALUES (?, 'human', ?) ON CONFLICT (name) DO NOTHING").run(clean, now());
    return this.db.prepare('SELECT id, name, kind FROM annotators WHERE name = ?').get(clean) as Annotator;
  }

  /** A reviewer's adjudications are kept under their own identity, apart from the reviewer's own labels. */
  adjudicatorFor(reviewerId: number): Annotator {
    const reviewer = this.annotator(reviewerId);
    return this.ensureAnnotator(`${reviewer.name} (adjudication)`);
  }

  private annotator(id: number): Annotator {
    const a = this.db.prepare('SELECT id, name, kind FROM annotators WHERE id = ?').get(id) as Annotator | undefined;
    if (!a) throw new AnnotationError(`No annotator ${id}.`);
    if (a.kind !== 'human') throw new AnnotationError(`"${a.name}" is not a human annotator; labels given here must carry a person.`);
    return a;
  }

  // ---- annotations ----

  /**
   * Sets (or clears, with null) one label of one image for an annotator. In a single-label set,
   * marking a class present marks the annotator's other classes absent (one class per image).
   */
  set(input: { imageId: number; labelId: number; annotatorId: number; value: AnnotationValue | null; adjudicate?: boolean }): AnnotationChange[] {
    const label = this.db.prepare('SELECT l.id, l.label_set_id AS setId, s.kind FROM labels l JOIN label_sets s ON s.id = l.label_set_id WHERE l.id = ?').get(input.labelId) as
      | { id: number; setId: number; kind: LabelSetKind }
      | undefined;
    if (!label) throw new AnnotationError(`No label ${input.labelId}.`);
    if (!this.db.prepare("SELECT 1 FROM images WHERE id = ? AND status = 'ok'").get(input.imageId)) throw new AnnotationError(`No image ${input.imageId} to label.`);
    const annotator = input.adjudicate ? this.adjudicatorFor(input.annotatorId) : this.annotator(input.annotatorId);
    const source = input.adjudicate ? 'adjudication' : 'human';
    return this.db.transaction(() => {
      const changes = [this.write(input.imageId, input.labelId, annotator.id, input.value, source)];
      if (label.kind === 'single_label' && input.value === 'present') {
        const others = this.db.prepare('SELECT id FROM labels WHERE label_set_id = ? AND id <> ?').pluck().all(label.setId, label.id) as number[];
        for (const other of others) {
          const change = this.write(input.imageId, other, annotator.id, 'absent', source);
          if (change.previous !== change.value) changes.push(change);
        }
      }
      return changes;
    })();
  }

  /** One label, one value, many images (batch mode), in one transaction. */
  setMany(input: { imageIds: readonly number[]; labelId: number; annotatorId: number; value: AnnotationValue | null }): AnnotationChange[] {
    if (input.imageIds.length > 100_000) throw new AnnotationError('At most 100 000 images per batch.');
    return this.db.transaction(() => input.imageIds.flatMap((imageId) => this.set({ imageId, labelId: input.labelId, annotatorId: input.annotatorId, value: input.value })))();
  }

  /** Writes back what `set` replaced, newest first (undo). */
  revert(changes: readonly AnnotationChange[]): void {
    this.db.transaction(() => {
      for (const c of [...changes].reverse()) {
        const source = (this.db.prepare('SELECT source FROM annotations WHERE image_id = ? AND label_id = ? AND annotator_id = ?').pluck().get(c.imageId, c.labelId, c.annotatorId) as string | undefined) ?? 'human';
        this.write(c.imageId, c.labelId, c.annotatorId, c.previous, source as 'human' | 'adjudication');
      }
    })();
  }

  private write(imageId: number, labelId: number, annotatorId: number, value: AnnotationValue | null, source: 'human' | 'adjudication'): AnnotationChange {
    const previous = (this.db.prepare('SELECT value FROM annotations WHERE image_id = ? AND label_id = ? AND annotator_id = ?').pluck().get(imageId, labelId, annotatorId) as AnnotationValue | undefined) ?? null;
    if (value === null) {
      this.db.prepare('DELETE FROM annotations WHERE image_id = ? AND label_id = ? AND annotator_id = ?').run(imageId, labelId, annotatorId);
    } else {
      const time = now();
      this.db
        .prepare(
          `INSERT INTO annotations (image_id, label_id, annotator_id, value, source, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (image_id, label_id, annotator_id) DO UPDATE SET value = excluded.value, source = excluded.source, updated_at = excluded.updated_at`,
        )
        .run(imageId, labelId, annotatorId, value, source, time, time);
    }
    return { imageId, labelId, annotatorId, previous, value };
  }

  /** Every label of a set for one image: this annotator's value, the effective one, everyone's. */
  imageLabels(imageId: number, labelSetId: number, annotatorId: number | null): ImageLabel[] {
    const labels = this.labelSet(labelSetId).labels;
    const rows = this.db
      .prepare(
        `SELECT a.label_id AS labelId, a.value, a.source, a.annotator_id AS annotatorId, n.name AS annotator
         FROM annotations a JOIN annotators n ON n.id = a.annotator_id JOIN labels l ON l.id = a.label_id
         WHERE a.image_id = ? AND l.label_set_id = ? ORDER BY a.updated_at`,
      )
      .all(imageId, labelSetId) as { labelId: number; value: AnnotationValue; source: string; annotatorId: number; annotator: string }[];
    const effective = this.db
      .prepare(
        `SELECT e.label_id AS labelId, e.value, e.source, n.name AS annotator FROM effective_annotations e JOIN annotators n ON n.id = e.annotator_id
         JOIN labels l ON l.id = e.label_id WHERE e.image_id = ? AND l.label_set_id = ?`,
      )
      .all(imageId, labelSetId) as { labelId: number; value: AnnotationValue; source: string; annotator: string }[];
    return labels.map((l) => {
      const mine = rows.find((r) => r.labelId === l.id && r.annotatorId === annotatorId && r.source === 'human');
      const eff = effective.find((e) => e.labelId === l.id);
      return {
        labelId: l.id,
        name: l.name,
        mine: mine?.value ?? null,
        effective: eff ? { value: eff.value, source: eff.source, annotator: eff.annotator } : null,
        all: rows.filter((r) => r.labelId === l.id).map((r) => ({ annotator: r.annotator, source: r.source, value: r.value })),
      };
    });
  }

  /** Adds the seconds an image was on screen for this annotator and label set. */
  addTime(imageId: number, annotatorId: number, labelSetId: number, seconds: number): number {
    if (!(seconds >= 0) || seconds > 86_400) throw new AnnotationError(`Time spent must be 0–86400 s, got ${seconds}.`);
    this.db
      .prepare(
        `INSERT INTO annotation_time (image_id, annotator_id, label_set_id, seconds, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (image_id, annotator_id, label_set_id) DO UPDATE SET seconds = seconds + excluded.seconds, updated_at = excluded.updated_at`,
      )
      .run(imageId, annotatorId, labelSetId, seconds, now());
    return this.db.prepare('SELECT seconds FROM annotation_time WHERE image_id = ? AND annotator_id = ? AND label_set_id = ?').pluck().get(imageId, annotatorId, labelSetId) as number;
  }

  /**
   * Which labels training uses for a set, and from where: counts of (image, label) values by the
   * source that wins (adjudication > human > import > model), and the images where human
   * annotators disagree without an adjudication (the most recent human label counts there).
   */
  resolution(labelSetId: number): { bySource: Record<string, number>; unresolvedDisagreements: number } {
    const bySource = Object.fromEntries(
      (
        this.db
          .prepare('SELECT e.source, count(*) AS n FROM effective_annotations e JOIN labels l ON l.id = e.label_id WHERE l.label_set_id = ? GROUP BY e.source')
          .all(labelSetId) as { source: string; n: number }[]
      ).map((r) => [r.source, r.n]),
    );
    const unresolved = this.db
      .prepare(
        `SELECT count(*) FROM (
           SELECT a.image_id, a.label_id FROM annotations a JOIN labels l ON l.id = a.label_id
           WHERE l.label_set_id = ? AND a.source = 'human'
           GROUP BY a.image_id, a.label_id HAVING count(DISTINCT a.value) > 1
         ) d WHERE NOT EXISTS (SELECT 1 FROM annotations x WHERE x.image_id = d.image_id AND x.label_id = d.label_id AND x.source = 'adjudication')`,
      )
      .pluck()
      .get(labelSetId) as number;
    return { bySource, unresolvedDisagreements: unresolved };
  }
}

/**
 * Every human label of a set as ratings (annotator name, image, value), label by label in set
 * order — what the agreement view compares. Imports, models and adjudications are not raters.
 */
export function humanRatings(db: SqliteDatabase, labelSetId: number): { label: string; annotator: string; imageId: number; value: AnnotationValue }[] {
  return db
    .prepare(
      `SELECT l.name AS label, n.name AS annotator, a.image_id AS imageId, a.value FROM annotations a
       JOIN labels l ON l.id = a.label_id JOIN annotators n ON n.id = a.annotator_id
       WHERE l.label_set_id = ? AND a.source = 'human' ORDER BY l.position, a.image_id, n.name`,
    )
    .all(labelSetId) as { label: string; annotator: string; imageId: number; value: AnnotationValue }[];
}
