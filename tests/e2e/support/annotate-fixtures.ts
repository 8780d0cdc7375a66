/**
 * A small project for the Annotate end-to-end test: two patients with one volume of four real
 * PNG B-scans each, registered straight into SQLite (no import job), with cache slots so the
 * "what to label next" job has candidates. No label sets: the test makes its own in the UI.
 */
import path from 'node:path';
import { ImportRegistry, type ImageRecord } from '../../../src-main/import/registry.js';
import { Project } from '../../../src-main/project/project.js';
import { writeBscanFile } from '../../fixtures/image-files.js';

export const ANNOTATE_PATIENTS = ['P1', 'P2'] as const;
export const SLICES_PER_VOLUME = 4;

export async function createAnnotateProject(dir: string, name = 'Annotate e2e'): Promise<{ dir: string; imageIds: number[] }> {
  const project = Project.create(dir, name);
  try {
    const root = path.join(dir, 'images');
    const registry = new ImportRegistry(project.db);
    const sourceId = registry.ensureSource('folder_csv', root, 'Scans');
    const records: ImageRecord[] = [];
    for (const [p, patient] of ANNOTATE_PATIENTS.entries()) {
      for (let s = 0; s < SLICES_PER_VOLUME; s++) {
        const relPath = `${patient}/${patient}_OD_s${s}.png`;
        await writeBscanFile(path.join(root, relPath), 'png', p * 10 + s + 1, 256, 160);
        records.push({
          relPath,
          frameIndex: 0,
          contentHash: `${p}${s}`.padStart(64, 'c'),
          byteSize: 1000,
          width: 256,
          height: 160,
          bitDepth: 8,
          meta: { patient, eye: 'OD', visit: 'V1', sliceIndex: s },
          cacheSlot: records.length,
          window: null,
        });
      }
    }
    const imageIds = registry.registerBatch(sourceId, records, null);
    return { dir, imageIds };
  } finally {
    project.close();
  }
}
