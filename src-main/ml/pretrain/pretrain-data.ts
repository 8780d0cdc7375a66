/**
 * Which images DINO pretrains on, and in what order. Pretraining needs no labels, so it uses
 * every imported image — except the test patients of the split, which must stay unseen until
 * the final evaluation. Batches are drawn without replacement per epoch (the reference's
 * DistributedSampler + drop_last), in an order that is a pure function of (seed, epoch), so a
 * resumed run sees exactly the batches it would have seen.
 */
import { createHash } from 'node:crypto';
import type { SqliteDatabase } from '../../project/database.js';
import { createRng } from '../../random/rng.js';

export interface PretrainData {
  imageIds: number[];
  /** Training-cache slot of each image, same order. */
  slots: number[];
  /** SHA-256 over (id, content hash) of every image: identifies the data of a run. */
  hash: string;
  splitId: number | null;
  excludedTestImages: number;
}

export function selectPretrainData(db: SqliteDatabase, splitId: number | null): PretrainData {
  const split = splitId ?? (db.prepare('SELECT max(id) FROM splits').pluck().get() as number | null);
  const rows = db
    .prepare(
      `SELECT i.id, i.cache_offset AS slot, i.content_hash AS hash FROM images i
       WHERE i.status = 'ok' AND i.cache_offset IS NOT NULL
         AND (@split IS NULL OR i.patient_id IS NULL OR i.patient_id NOT IN
              (SELECT patient_id FROM split_assignments WHERE split_id = @split AND subset = 'test'))
       ORDER BY i.id`,
    )
    .all({ split }) as { id: number; slot: number; hash: string }[];
  const excluded =
    split === null
      ? 0
      : (db
          .prepare(
            `SELECT count(*) FROM images i WHERE i.status = 'ok' AND i.patient_id IN
               (SELECT patient_id FROM split_assignments WHERE split_id = ? AND subset = 'test')`,
          )
          .pluck()
          .get(split) as number);
  const digest = createHash('sha256');
  for (const row of rows) digest.update(`${row.id}:${row.hash}\n`);
  return { imageIds: rows.map((r) => r.id), slots: rows.map((r) => r.slot), hash: digest.digest('hex'), splitId: split, excludedTestImages: excluded };
}

/** The image order of one epoch: a seeded permutation of 0..n-1. */
export function epochOrder(n: number, seed: number, epoch: number): Uint32Array {
  const rng = createRng(seed).fork('epoch-order').fork(epoch);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i);
    const t = order[i] as number;
    order[i] = order[j] as number;
    order[j] = t;
  }
  return order;
}
