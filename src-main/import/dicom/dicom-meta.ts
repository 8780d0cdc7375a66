/**
 * The DICOM attributes the importer uses, read once into a plain object: identity
 * (patient / eye / visit, see DOMAIN.md "DICOM for OCT"), the pixel description every decoder
 * needs, and the physical pixel spacing, which enhanced multi-frame OCT keeps in the Shared
 * Functional Groups rather than at the top level.
 */
import type { DataSet } from 'dicom-parser';

import type { Eye } from '../source-entry.js';
import { describeTransferSyntax } from './transfer-syntax.js';

export interface DicomMeta {
  sopClassUid: string;
  /** e.g. "Ophthalmic Tomography Image Storage"; unknown classes are named by their UID. */
  sopClassName: string;
  modality?: string;
  transferSyntaxUid: string;
  transferSyntaxName: string;
  /** PatientID (0010,0020). */
  patientId?: string;
  /** From Laterality, ImageLaterality or the Frame Anatomy functional group; B/blank → absent. */
  laterality?: Eye;
  /** StudyDate as YYYY-MM-DD. */
  studyDate?: string;
  studyInstanceUid?: string;
  seriesInstanceUid?: string;
  sopInstanceUid?: string;
  rows: number;
  columns: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  /** 0 unsigned, 1 two's complement. */
  pixelRepresentation: number;
  photometricInterpretation: string;
  samplesPerPixel: number;
  /** 0 interleaved (RGBRGB…), 1 planar (RR…GG…BB…). */
  planarConfiguration: number;
  rescaleSlope?: number;
  rescaleIntercept?: number;
  /** [row spacing, column spacing] in mm (DICOM order: between rows first). */
  pixelSpacing?: [number, number];
  /** Distance between B-scans in mm for OCT volumes. */
  sliceThickness?: number;
  manufacturer?: string;
  manufacturerModelName?: string;
}

const SOP_CLASS_NAMES: Readonly<Record<string, string>> = {
  '1.2.840.10008.5.1.4.1.1.77.1.5.4': 'Ophthalmic Tomography Image Storage',
  '1.2.840.10008.5.1.4.1.1.77.1.5.1': 'Ophthalmic Photography 8 Bit Image Storage',
  '1.2.840.10008.5.1.4.1.1.77.1.5.2': 'Ophthalmic Photography 16 Bit Image Storage',
  '1.2.840.10008.5.1.4.1.1.77.1.5.7': 'Ophthalmic Optical Coherence Tomography En Face Image Storage',
  '1.2.840.10008.5.1.4.1.1.77.1.5.8': 'Ophthalmic Optical Coherence Tomography B-scan Volume Analysis Storage',
  '1.2.840.10008.5.1.4.1.1.7': 'Secondary Capture Image Storage',
  '1.2.840.10008.5.1.4.1.1.7.1': 'Multi-frame Single Bit Secondary Capture Image Storage',
  '1.2.840.10008.5.1.4.1.1.7.2': 'Multi-frame Grayscale Byte Secondary Capture Image Storage',
  '1.2.840.10008.5.1.4.1.1.7.3': 'Multi-frame Grayscale Word Secondary Capture Image Storage',
  '1.2.840.10008.5.1.4.1.1.7.4': 'Multi-frame True Color Secondary Capture Image Storage',
  '1.2.840.10008.5.1.4.1.1.66': 'Raw Data Storage',
  '1.2.840.10008.5.1.4.1.1.104.1': 'Encapsulated PDF Storage',
  '1.2.840.10008.5.1.4.1.1.88.11': 'Basic Text SR Storage',
  '1.2.840.10008.5.1.4.1.1.88.22': 'Enhanced SR Storage',
  '1.2.840.10008.5.1.4.1.1.88.33': 'Comprehensive SR Storage',
};

export function sopClassName(uid: string): string {
  return SOP_CLASS_NAMES[uid] ?? (uid ? `SOP class ${uid}` : 'no SOP class');
}

function text(dataSet: DataSet, tag: string): string | undefined {
  const value = dataSet.string(tag)?.replace(/[\0\s]+$/, '').trim();
  return value ? value : undefined;
}

function number(dataSet: DataSet, tag: string, index = 0): number | undefined {
  const value = dataSet.floatString(tag, index);
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

/** The first item's dataset of a sequence, if any. */
function firstItem(dataSet: DataSet | undefined, tag: string): DataSet | undefined {
  return dataSet?.elements[tag]?.items?.[0]?.dataSet;
}

/** R/L (DICOM) or OD/OS (as some exporters write it); B (both) and blanks say nothing. */
export function toEye(value: string | undefined): Eye | undefined {
  switch (value?.trim().toUpperCase()) {
    case 'R':
    case 'OD':
      return 'OD';
    case 'L':
    case 'OS':
      return 'OS';
    default:
      return undefined;
  }
}

/** DA "YYYYMMDD" (or the old "YYYY.MM.DD") → "YYYY-MM-DD"; anything else → undefined. */
export function toIsoDate(value: string | undefined): string | undefined {
  const match = /^(\d{4})\.?(\d{2})\.?(\d{2})$/.exec(value?.trim() ?? '');
  if (!match) return undefined;
  const [, year, month, day] = match;
  const date = new Date(`${year}-${month}-${day}T00:00:00Z`);
  return Number.isNaN(date.getTime()) || date.getUTCDate() !== Number(day) ? undefined : `${year}-${month}-${day}`;
}

function readLaterality(dataSet: DataSet): Eye | undefined {
  const anatomy = firstItem(firstItem(dataSet, 'x52009229'), 'x00209071');
  return (
    toEye(text(dataSet, 'x00200060')) ??
    toEye(text(dataSet, 'x00200062')) ??
    toEye(anatomy ? text(anatomy, 'x00209072') : undefined)
  );
}

/** Pixel Measures from the shared groups, else the first frame's groups, else top level. */
function readPixelMeasures(dataSet: DataSet): Pick<DicomMeta, 'pixelSpacing' | 'sliceThickness'> {
  const candidates = [
    firstItem(firstItem(dataSet, 'x52009229'), 'x00289110'),
    firstItem(firstItem(dataSet, 'x52009230'), 'x00289110'),
    dataSet,
  ];
  let pixelSpacing: [number, number] | undefined;
  let sliceThickness: number | undefined;
  for (const source of candidates) {
    if (!source) continue;
    const row = number(source, 'x00280030', 0);
    const column = number(source, 'x00280030', 1);
    if (!pixelSpacing && row !== undefined && column !== undefined && row > 0 && column > 0) {
      pixelSpacing = [row, column];
    }
    const thickness = number(source, 'x00180050');
    if (sliceThickness === undefined && thickness !== undefined && thickness > 0) sliceThickness = thickness;
  }
  return { ...(pixelSpacing ? { pixelSpacing } : {}), ...(sliceThickness !== undefined ? { sliceThickness } : {}) };
}

/** Drops undefined fields so `meta` serialises and compares cleanly. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export function readDicomMeta(dataSet: DataSet, transferSyntaxUid: string): DicomMeta {
  const sopClassUid = text(dataSet, 'x00080016') ?? text(dataSet, 'x00020002') ?? '';
  const bitsAllocated = dataSet.uint16('x00280100') ?? 0;
  const bitsStored = dataSet.uint16('x00280101') ?? bitsAllocated;
  return defined<DicomMeta>({
    sopClassUid,
    sopClassName: sopClassName(sopClassUid),
    modality: text(dataSet, 'x00080060'),
    transferSyntaxUid,
    transferSyntaxName: describeTransferSyntax(transferSyntaxUid).name,
    patientId: text(dataSet, 'x00100020'),
    laterality: readLaterality(dataSet),
    studyDate: toIsoDate(text(dataSet, 'x00080020')),
    studyInstanceUid: text(dataSet, 'x0020000d'),
    seriesInstanceUid: text(dataSet, 'x0020000e'),
    sopInstanceUid: text(dataSet, 'x00080018') ?? text(dataSet, 'x00020003'),
    rows: dataSet.uint16('x00280010') ?? 0,
    columns: dataSet.uint16('x00280011') ?? 0,
    bitsAllocated,
    bitsStored,
    highBit: dataSet.uint16('x00280102') ?? bitsStored - 1,
    pixelRepresentation: dataSet.uint16('x00280103') ?? 0,
    photometricInterpretation: text(dataSet, 'x00280004')?.toUpperCase() ?? 'MONOCHROME2',
    samplesPerPixel: dataSet.uint16('x00280002') ?? 1,
    planarConfiguration: dataSet.uint16('x00280006') ?? 0,
    rescaleSlope: number(dataSet, 'x00281053'),
    rescaleIntercept: number(dataSet, 'x00281052'),
    ...readPixelMeasures(dataSet),
    manufacturer: text(dataSet, 'x00080070'),
    manufacturerModelName: text(dataSet, 'x00081090'),
  });
}

/** NumberOfFrames (0028,0008); absent means one frame. */
export function readFrameCount(dataSet: DataSet): number {
  const value = dataSet.intString('x00280008');
  return value === undefined || Number.isNaN(value) ? 1 : value;
}
