/**
 * How an OLIVES path maps to patient / eye / visit / slice, for paths on disk and paths in the
 * label files alike (both go through `locateOlivesPath`, so they agree by construction).
 *
 *   Prime_FULL/<patient 02-010>/W<week>/<OD|OS>/<k>.tif                  k = slice, 0..48
 *   TREX DME/<GILA|TREX|Monthly>/<code 0201GOD>/V<visit>/<OD|OS>/TREXJ_0000kk.tif
 *
 * TREX file names vary by volume (TREXJ_000012, TREX_DME_000012, TREXJ_DME_000012,
 * TREXA_000004_000012): the slice is always the last `_<digits>` group. A TREX code is
 * <4-digit patient><arm letter G/T/M><eye>; the label files' Patient_ID is that number (0201GOD
 * and 0201TOS are both Patient_ID 201: one patient, one eye in each arm), so the patient is the
 * 4 digits. Prime patients keep their folder name (the files number them 57..96 instead, which
 * the layout cannot know). Matching is by a key without the extension, lowercased, starting at
 * the trial folder: label rows say `.tif` where a volume sits on disk as `.png`, paths start
 * with `/` or not, archives unpack into doubled folders, Windows writes backslashes.
 */
import path from 'node:path';
import type { Eye } from '../source-entry.js';

export type OlivesTrial = 'Prime_FULL' | 'TREX DME';

export const IMAGE_EXTENSIONS = new Set(['.tif', '.tiff', '.png', '.jpg', '.jpeg']);

export interface OlivesLocation {
  trial: OlivesTrial;
  patient: string;
  eye: Eye;
  visit: string;
  sliceIndex: number;
  /** Lowercased, extension-free path from the trial folder on: what label rows and files match by. */
  key: string;
}

export type OlivesPathResult =
  | { ok: true; location: OlivesLocation }
  | { ok: false; kind: 'fundus' | 'npy' | 'not_image' | 'outside' | 'layout'; reason: string };

const PRIME_LAYOUT = 'Prime_FULL/<patient>/W<week>/<OD|OS>/<k>.tif';
const TREX_LAYOUT = 'TREX DME/<GILA|TREX|Monthly>/<code>/V<visit>/<OD|OS>/TREX…_<k>.tif';

/** Path segments, whatever the separators and leading `/` or `./`. */
export function pathSegments(p: string): string[] {
  return p
    .trim()
    .replace(/\\/g, '/')
    .split('/')
    .filter((segment) => segment !== '' && segment !== '.');
}

export function trialOf(segment: string): OlivesTrial | undefined {
  if (/^prime_full$/i.test(segment)) return 'Prime_FULL';
  if (/^trex[ _]dme$/i.test(segment)) return 'TREX DME';
  return undefined;
}

/** The last trial folder in the path: `Prime_FULL/Prime_FULL/02-010/…` counts from the inner one. */
function anchorIndex(segments: readonly string[]): number {
  for (let index = segments.length - 2; index >= 0; index--) {
    if (trialOf(segments[index] as string) !== undefined) return index;
  }
  return -1;
}

function sliceOf(stem: string): number | undefined {
  const match = /(?:^|_)(\d+)$/.exec(stem);
  return match ? Number(match[1]) : undefined;
}

function eyeOf(segment: string): Eye | undefined {
  const upper = segment.toUpperCase();
  return upper === 'OD' || upper === 'OS' ? upper : undefined;
}

/**
 * Interprets a path (segments may include folders above the trial folder, e.g. the user's
 * root). Says why when the path is not an OLIVES B-scan.
 */
export function locateOlivesPath(p: string | readonly string[]): OlivesPathResult {
  const segments = typeof p === 'string' ? pathSegments(p) : p;
  const name = segments[segments.length - 1] ?? '';
  const extension = path.extname(name).toLowerCase();
  const stem = name.slice(0, name.length - extension.length);
  if (extension === '.npy') return { ok: false, kind: 'npy', reason: 'NumPy array (.npy), not an image' };
  if (/^fundus/i.test(stem)) return { ok: false, kind: 'fundus', reason: 'fundus photograph, not an OCT B-scan' };
  if (!IMAGE_EXTENSIONS.has(extension)) {
    return { ok: false, kind: 'not_image', reason: extension ? `not an image (${extension} file)` : 'not an image (no file extension)' };
  }
  const anchor = anchorIndex(segments);
  if (anchor < 0) return { ok: false, kind: 'outside', reason: 'image outside the Prime_FULL and TREX DME folders' };
  const trial = trialOf(segments[anchor] as string) as OlivesTrial;
  const rest = segments.slice(anchor + 1, -1);
  const expected = trial === 'Prime_FULL' ? PRIME_LAYOUT : TREX_LAYOUT;
  const layoutError = (why: string): OlivesPathResult => ({ ok: false, kind: 'layout', reason: `${why}; expected ${expected}` });
  if (rest.length !== (trial === 'Prime_FULL' ? 3 : 4)) return layoutError(`image at an unexpected depth in ${trial}`);
  const [visitFolder, eyeFolder] = rest.slice(-2) as [string, string];
  const eye = eyeOf(eyeFolder);
  if (eye === undefined) return layoutError(`eye folder "${eyeFolder}" is not OD or OS`);
  const visitPattern = trial === 'Prime_FULL' ? /^W\d+$/i : /^V\d+$/i;
  if (!visitPattern.test(visitFolder)) return layoutError(`visit folder "${visitFolder}" is not ${trial === 'Prime_FULL' ? 'W<week>' : 'V<visit>'}`);
  const sliceIndex = sliceOf(stem);
  if (sliceIndex === undefined) return layoutError(`file name "${name}" has no slice number`);
  const visit = visitFolder.toUpperCase();
  let patient: string;
  if (trial === 'Prime_FULL') {
    patient = rest[0] as string;
  } else {
    const code = rest[1] as string;
    patient = /^(\d+)/.exec(code)?.[1] ?? code;
  }
  const key = [trial, ...rest, stem].join('/').toLowerCase();
  return { ok: true, location: { trial, patient, eye, visit, sliceIndex, key } };
}
