/**
 * Plans an OLIVES import: the B-scans on disk, each with what the label files say about it.
 * Rows and files meet by a key made from the path without its extension (a row says `.tif`,
 * the disk has `.png` for that volume), from the trial folder on, lowercased. Pixels are never
 * read here; 78k small entry records are the whole memory cost.
 */
import path from 'node:path';
import type { MissingImage, SkippedFile, SourceEntry, SourceLabelSet } from '../source-entry.js';
import { readBiomarkerTable, readClinicalRows, type LabelRow } from './labels.js';
import { walkOlivesTree, type OlivesImage } from './layout.js';
import { locateOlivesPath, type OlivesTrial } from './olives-path.js';

export interface OlivesPlanOptions {
  /** `Biomarker_Clinical_Data_Images.csv` (or a file with its columns). */
  labelsCsv?: string;
  /** `Clinical_Data_Images.xlsx` or a CSV export of it. */
  clinicalFile?: string;
}

export interface OlivesPlan {
  entries: SourceEntry[];
  labelSet: SourceLabelSet | null;
  skipped: SkippedFile[];
  rowsWithoutImage: MissingImage[];
  /** B-scans no biomarker row mentions (0 when no label file was given). */
  imagesWithoutLabels: number;
  /** The first 50 of them, as relPaths. */
  imagesWithoutLabelsSample: string[];
  warnings: string[];
}

export const OLIVES_LABEL_SET_NAME = 'OLIVES biomarkers';
const SAMPLE_SIZE = 50;

/** TIFF is what the trial exported; PNG/JPEG copies of the same slice are conversions. */
const FORMAT_RANK: Record<string, number> = { '.tif': 0, '.tiff': 0, '.png': 1, '.jpg': 2, '.jpeg': 2 };

function rank(image: OlivesImage): number {
  return FORMAT_RANK[path.extname(image.entry.relPath).toLowerCase()] ?? 3;
}

/** One B-scan per key: a slice stored twice (tif and png, or under a doubled folder) is imported once. */
function dedupe(images: readonly OlivesImage[], skipped: SkippedFile[]): Map<string, OlivesImage> {
  const byKey = new Map<string, OlivesImage>();
  for (const image of images) {
    const kept = byKey.get(image.location.key);
    if (kept === undefined) {
      byKey.set(image.location.key, image);
      continue;
    }
    const [winner, loser] = rank(image) < rank(kept) ? [image, kept] : [kept, image];
    const sameFolder = path.posix.dirname(winner.entry.relPath) === path.posix.dirname(loser.entry.relPath);
    skipped.push({
      relPath: loser.entry.relPath,
      reason: `same B-scan as ${winner.entry.relPath} (${sameFolder ? 'another format of it' : 'the folder holds it twice'})`,
    });
    byKey.set(image.location.key, winner);
  }
  return byKey;
}

/** Counts a kind of problem, keeping the first example for the warning text. */
class Tally {
  private readonly counts = new Map<string, { count: number; example: string }>();
  add(kind: string, example: string): void {
    const current = this.counts.get(kind);
    if (current) current.count++;
    else this.counts.set(kind, { count: 1, example });
  }
  report(describe: (kind: string, count: number, example: string) => string): string[] {
    return [...this.counts].map(([kind, { count, example }]) => describe(kind, count, example));
  }
}

/** Finds the image a row names; rows for a trial the folder does not hold are tallied, not listed. */
function matchRow(row: LabelRow, file: string, byKey: ReadonlyMap<string, OlivesImage>, trials: ReadonlySet<OlivesTrial>, state: MatchState): OlivesImage | undefined {
  const result = locateOlivesPath(row.path);
  if (result.ok && !trials.has(result.location.trial)) {
    state.otherTrial.add(`${file}\u0000${result.location.trial}`, row.path);
    return undefined;
  }
  const image = result.ok ? byKey.get(result.location.key) : undefined;
  if (!image) state.missing.push({ path: row.path, file, line: row.line });
  return image;
}

interface MatchState {
  missing: MissingImage[];
  otherTrial: Tally;
}

/**
 * Walks `root`, reads the label files and joins them. Label-file problems that make the file
 * unusable (wrong columns, a cell that is not 0/1/blank) throw a `TableError` naming file, line
 * and column; rows that name no image on disk are listed in `rowsWithoutImage`.
 */
export async function planOlivesImport(root: string, options: OlivesPlanOptions = {}): Promise<OlivesPlan> {
  const tree = await walkOlivesTree(root);
  const skipped = [...tree.skipped];
  const byKey = dedupe(tree.images, skipped);
  const entries = [...byKey.values()].map((image) => image.entry);
  const warnings: string[] = [];
  if (tree.trials.size === 0) {
    warnings.push(`No OLIVES B-scans found under ${root}: expected Prime_FULL/<patient>/W<week>/<OD|OS>/<k>.tif or TREX DME/<arm>/<code>/V<visit>/<OD|OS>/… below it.`);
  }
  const state: MatchState = { missing: [], otherTrial: new Tally() };
  const consistency = new Tally();
  let labelSet: SourceLabelSet | null = null;
  const labelled = new Set<string>();

  if (options.labelsCsv) {
    const file = options.labelsCsv;
    const table = await readBiomarkerTable(file);
    labelSet = { name: OLIVES_LABEL_SET_NAME, kind: 'multi_label', labels: table.biomarkers };
    for (const row of table.rows) {
      const image = matchRow(row, file, byKey, tree.trials, state);
      if (!image) continue;
      if (labelled.has(image.location.key)) {
        consistency.add('duplicate', `${file}, line ${row.line}`);
        continue;
      }
      labelled.add(image.location.key);
      if (Object.keys(row.labels).length > 0) image.entry.meta.labels = row.labels;
      if (Object.keys(row.clinical).length > 0) image.entry.meta.clinical = { ...row.clinical };
      if (row.scan !== undefined && row.scan !== image.location.sliceIndex + 1) {
        consistency.add('scan', `${file}, line ${row.line}: "Scan (n/49)" is ${row.scan}, the file name says slice ${image.location.sliceIndex + 1}`);
      }
    }
    if (table.rows.length > 0 && labelled.size === 0 && entries.length > 0) {
      warnings.push(`None of the ${table.rows.length} rows of ${file} names an image in this folder: is it the OLIVES folder these labels belong to?`);
    }
  }

  if (options.clinicalFile) {
    const file = options.clinicalFile;
    for await (const row of readClinicalRows(file)) {
      const image = matchRow(row, file, byKey, tree.trials, state);
      if (!image) continue;
      // The biomarker file's values win where it has them; the clinical file fills the rest.
      const clinical = { ...row.clinical, ...image.entry.meta.clinical };
      if (Object.keys(clinical).length > 0) image.entry.meta.clinical = clinical;
    }
  }

  warnings.push(
    ...state.otherTrial.report((kind, count, example) => {
      const [file, trial] = kind.split('\u0000') as [string, string];
      return `${file}: ${count} rows name ${trial} images (e.g. ${example}), but this folder has no ${trial} B-scans; they were left out of the missing-image list.`;
    }),
    ...consistency.report((kind, count, example) =>
      kind === 'duplicate'
        ? `${count} label rows repeat an image an earlier row already labelled; the first row was used (e.g. ${example}).`
        : `${count} label rows have a "Scan (n/49)" that disagrees with the slice number in the file name; the file name was used (e.g. ${example}).`,
    ),
  );

  const unlabelled = options.labelsCsv ? [...byKey].filter(([key]) => !labelled.has(key)).map(([, image]) => image.entry) : [];
  return {
    entries,
    labelSet,
    skipped,
    rowsWithoutImage: state.missing,
    imagesWithoutLabels: unlabelled.length,
    imagesWithoutLabelsSample: unlabelled.slice(0, SAMPLE_SIZE).map((entry) => entry.relPath),
    warnings,
  };
}
