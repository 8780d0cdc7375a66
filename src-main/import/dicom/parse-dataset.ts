/**
 * Bytes → dicom-parser DataSet, for every file layout met in practice: Part 10 with the
 * 128-byte preamble and "DICM", a meta group without the preamble, and a bare dataset with no
 * meta group at all (old exports). dicom-parser throws strings and `{exception, dataSet}`
 * objects; this module turns all of them into an ImageDecodeError with a reason the user sees.
 */
import { inflateRawSync } from 'node:zlib';

import dicomParser, { type DataSet } from 'dicom-parser';

import { ImageDecodeError, type ImageLimits } from '../../imaging/gray-image.js';
import { EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN } from './transfer-syntax.js';

export interface ParsedDataset {
  dataSet: DataSet;
  transferSyntaxUid: string;
}

const PREAMBLE_BYTES = 128;
const DICM = [0x44, 0x49, 0x43, 0x4d];
/** Two-letter value representations, to tell a bare explicit-VR dataset from an implicit one. */
const VRS = new Set(
  'AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '),
);

function hasDicmAt(bytes: Uint8Array, offset: number): boolean {
  return DICM.every((b, i) => bytes[offset + i] === b);
}

function uint16At(bytes: Uint8Array, offset: number): number {
  return (bytes[offset] ?? 0) | ((bytes[offset + 1] ?? 0) << 8);
}

/** Copies `bytes` behind a zeroed preamble (and "DICM" unless already there). */
function withPreamble(bytes: Uint8Array, addDicm: boolean): Uint8Array {
  const head = PREAMBLE_BYTES + (addDicm ? 4 : 0);
  const out = new Uint8Array(head + bytes.length);
  if (addDicm) out.set(DICM, PREAMBLE_BYTES);
  out.set(bytes, head);
  return out;
}

/** What kind of layout the file has, judged from its first bytes only. */
type Layout =
  | { kind: 'part10'; bytes: Uint8Array }
  | { kind: 'bare'; bytes: Uint8Array; transferSyntaxUid: string };

function detectLayout(bytes: Uint8Array): Layout | undefined {
  if (bytes.length >= PREAMBLE_BYTES + 4 && hasDicmAt(bytes, PREAMBLE_BYTES)) return { kind: 'part10', bytes };
  // "DICM" then the meta group, with the preamble dropped by some writers.
  if (hasDicmAt(bytes, 0) && uint16At(bytes, 4) === 0x0002) return { kind: 'part10', bytes: withPreamble(bytes, false) };
  const group = uint16At(bytes, 0);
  if (bytes.length < 8) return undefined;
  // Meta group without preamble or "DICM": it is always explicit VR little endian.
  if (group === 0x0002) return { kind: 'part10', bytes: withPreamble(bytes, true) };
  // A bare dataset (no meta group) starts with group 0008 (or the command group 0000).
  if (group === 0x0008 || group === 0x0000) {
    const vr = String.fromCharCode(bytes[4] ?? 0, bytes[5] ?? 0);
    const transferSyntaxUid = VRS.has(vr) ? EXPLICIT_VR_LITTLE_ENDIAN : IMPLICIT_VR_LITTLE_ENDIAN;
    return { kind: 'bare', bytes, transferSyntaxUid };
  }
  return undefined;
}

/** dicom-parser throws strings, Errors and `{exception, dataSet}`; get the text out. */
export function parserErrorText(error: unknown): string {
  if (typeof error === 'string') return error;
  if (error instanceof Error) return error.message;
  if (error !== null && typeof error === 'object' && 'exception' in error) {
    return parserErrorText((error as { exception: unknown }).exception);
  }
  return String(error);
}

const OVERRUN = /overrun|overread|past end|end of buffer|beyond|outside of the bytearray/i;

function inflaterFor(limits: ImageLimits) {
  return (bytes: Uint8Array, position: number): Uint8Array => {
    let inflated: Buffer;
    try {
      // Cap the output: a deflated dataset is a classic decompression bomb.
      inflated = inflateRawSync(bytes.subarray(position), { maxOutputLength: limits.maxFileBytes });
    } catch (error) {
      const text = parserErrorText(error);
      if (/maxOutputLength|too large|ERR_BUFFER_TOO_LARGE/i.test(text)) {
        throw new ImageDecodeError('too_large', `Deflated dataset inflates beyond ${limits.maxFileBytes} bytes`);
      }
      throw new ImageDecodeError('truncated', `Deflated dataset could not be inflated (${text})`);
    }
    const out = new Uint8Array(position + inflated.length);
    out.set(bytes.subarray(0, position));
    out.set(inflated, position);
    return out;
  };
}

function readTransferSyntax(dataSet: DataSet): string {
  return (dataSet.string('x00020010') ?? '').replace(/[\0\s]+$/, '');
}

/** Parses a DICOM file's bytes; throws ImageDecodeError('not_an_image' | 'truncated' | …). */
export function parseDataset(bytes: Uint8Array, limits: ImageLimits): ParsedDataset {
  const layout = detectLayout(bytes);
  if (!layout) {
    throw new ImageDecodeError(
      'not_an_image',
      'Not a DICOM file: no "DICM" marker at byte 128 and no DICOM data elements at the start',
    );
  }
  try {
    if (layout.kind === 'bare') {
      const dataSet = dicomParser.parseDicom(layout.bytes, { TransferSyntaxUID: layout.transferSyntaxUid });
      return { dataSet, transferSyntaxUid: layout.transferSyntaxUid };
    }
    const dataSet = dicomParser.parseDicom(layout.bytes, { inflater: inflaterFor(limits) });
    return { dataSet, transferSyntaxUid: readTransferSyntax(dataSet) };
  } catch (error) {
    if (error instanceof ImageDecodeError) throw error;
    const text = parserErrorText(error);
    if (OVERRUN.test(text)) {
      throw new ImageDecodeError('truncated', `DICOM file is truncated: it ends inside a data element (${text})`);
    }
    if (/DICM prefix not found/i.test(text)) {
      throw new ImageDecodeError('not_an_image', 'Not a DICOM file: no "DICM" marker at byte 128');
    }
    throw new ImageDecodeError('unreadable', `DICOM file could not be parsed: ${text}`);
  }
}
