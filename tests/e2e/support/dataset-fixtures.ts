/**
 * Data for the dataset end-to-end tests: a folder of real PNG B-scans with a label CSV (and the
 * kinds of trouble an import must report: a corrupt file, a stray non-image, a CSV row whose
 * file is missing), and a project with 100k registered images for the grid's performance check.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { renderSyntheticBscan } from '../../../src-main/demo/synthetic-oct.js';
import { thumbnailPath } from '../../../src-main/imaging/thumbnail.js';
import { ImportRegistry, type ImageRecord } from '../../../src-main/import/registry.js';
import { Project } from '../../../src-main/project/project.js';
import { writeBscanFile } from '../../fixtures/image-files.js';

export interface BscanFolder {
  root: string;
  labels: string;
  images: number;
  slicesPerVolume: number;
  corruptFile: string;
}

/** `volumes` volumes of `slices` PNG B-scans each, a corrupt PNG, a text file and a label CSV. */
export async function writeBscanFolder(dir: string, volumes = 4, slices = 15): Promise<BscanFolder> {
  const root = path.join(dir, 'scans');
  mkdirSync(root, { recursive: true });
  const rows = ['path,patient,eye,visit,slice,DRT,IRF'];
  let seed = 1;
  for (let v = 0; v < volumes; v++) {
    const patient = `P${String(v + 1).padStart(2, '0')}`;
    const eye = v % 2 === 0 ? 'OD' : 'OS';
    for (let s = 0; s < slices; s++) {
      const name = `${patient}_${eye}_V1_s${String(s).padStart(2, '0')}.png`;
      await writeBscanFile(path.join(root, name), 'png', seed++, 320, 200);
      rows.push(`${name},${patient},${eye},V1,${s},${v % 2},${s % 3 === 0 ? 1 : 0}`);
    }
  }
  writeFileSync(path.join(root, 'zz_corrupt.png'), Buffer.from('this is not a PNG file, just text with a .png name\n'.repeat(20)));
  writeFileSync(path.join(root, 'notes.txt'), 'acquisition notes\n');
  rows.push('missing_scan.png,P99,OD,V1,0,1,0');
  const labels = path.join(dir, 'labels.csv');
  writeFileSync(labels, `${rows.join('\n')}\n`);
  return { root, labels, images: volumes * slices, slicesPerVolume: slices, corruptFile: 'zz_corrupt.png' };
}

/**
 * A project whose database lists `count` images (1000 patients, two eyes, 50 slices per volume)
 * without decoding any: they share a handful of real thumbnails, which is all the grid loads.
 * Registering rows directly takes seconds where importing 100k files would take minutes.
 */
export async function createLargeProject(dir: string, count: number): Promise<void> {
  const project = Project.create(dir, 'Large grid study');
  try {
    const registry = new ImportRegistry(project.db);
    const sourceId = registry.ensureSource('folder_csv', path.join(dir, 'images'), 'Synthetic 100k');
    const hashes: string[] = [];
    for (let k = 0; k < 16; k++) {
      const hash = k.toString(16).padStart(2, '0').repeat(32);
      const { pixels } = renderSyntheticBscan({ width: 256, height: 160, seed: k + 1, sliceIndex: k % 7, slicesPerVolume: 7, eye: k % 2 ? 'OD' : 'OS' });
      const file = thumbnailPath(project.path('thumbs'), hash, 0);
      mkdirSync(path.dirname(file), { recursive: true });
      await sharp(pixels, { raw: { width: 256, height: 160, channels: 1 } }).toColourspace('b-w').jpeg({ quality: 80 }).toFile(file);
      hashes.push(hash);
    }
    const records: ImageRecord[] = [];
    for (let i = 0; i < count; i++) {
      const slice = i % 50;
      const volume = Math.floor(i / 50);
      records.push({
        relPath: `v${volume}/s${slice}.png`,
        frameIndex: 0,
        contentHash: hashes[i % hashes.length] as string,
        byteSize: 1000,
        width: 256,
        height: 160,
        bitDepth: 8,
        meta: { patient: `P${String(Math.floor(volume / 2)).padStart(4, '0')}`, eye: volume % 2 ? 'OS' : 'OD', visit: 'V1', sliceIndex: slice },
        cacheSlot: null,
        window: null,
      });
    }
    registry.registerBatch(sourceId, records, null);
  } finally {
    project.close();
  }
}
