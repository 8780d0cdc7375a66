/**
 * What every import source (OLIVES, image folders, DICOM) hands to the import pipeline: one
 * entry per file, with what the source's layout and label files say about it. The pipeline
 * hashes, decodes, derives thumbnails and cache, and registers; sources never touch pixels.
 */
export type Eye = 'OD' | 'OS';

/** A label value as a source states it. Absent from the record = unknown (never "absent"). */
export type LabelValue = 'present' | 'absent' | 'uncertain';

export interface EntryMeta {
  patient?: string;
  eye?: Eye;
  /** Visit name as the source writes it (`W12`, `V3`, a study date for DICOM). */
  visit?: string;
  /** 0-based position of the B-scan in its volume. */
  sliceIndex?: number;
  /** Labels by label name, for sources with label files. */
  labels?: Record<string, LabelValue>;
  /** Clinical values by name (BCVA, CST). */
  clinical?: Record<string, number>;
}

export interface SourceEntry {
  /** Path relative to the source root, with forward slashes. */
  relPath: string;
  /** 'dicom' files may hold many frames (one B-scan each) and carry their own metadata. */
  format: 'image' | 'dicom';
  meta: EntryMeta;
}

/** A file the source saw but will not import, and why (fundus photo, .npy, unknown type). */
export interface SkippedFile {
  relPath: string;
  reason: string;
}

/** A label-file row that names an image that is not on disk. */
export interface MissingImage {
  /** The path exactly as the label file writes it. */
  path: string;
  file: string;
  line: number;
}

/** The label set a source defines, if it has labels. */
export interface SourceLabelSet {
  name: string;
  kind: 'multi_label' | 'single_label';
  labels: string[];
}
