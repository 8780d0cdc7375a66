import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { imageQuerySql, type ImageFilter } from '../../../src-main/project/images.js';
import { migrate } from '../../../src-main/project/migrate.js';
import { MIGRATIONS } from '../../../src-main/project/migrations/index.js';

/** The dataset browser's queries must stay index-driven at 78k images (tests/bench/dataset-query.bench.ts has the timings). */
function plan(sql: string, params: Record<string, unknown>): string {
  const db = new Database(':memory:');
  migrate(db, MIGRATIONS);
  const rows = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all({ ...params, limit: 100, offset: 0 }) as { detail: string }[];
  return rows.map((r) => r.detail).join(' | ');
}

describe('image browser query plans', () => {
  it('pages in volume order by walking an index, without sorting the table', () => {
    const { page, params } = imageQuerySql({});
    const detail = plan(page, params);
    expect(detail).toMatch(/images_volume_slice/);
    expect(detail).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
  });

  it.each<[string, ImageFilter, RegExp]>([
    ['label value', { label: { id: 1, value: 'present' } }, /annotations_label/],
    ['unknown label', { label: { id: 1, value: 'unknown' } }, /annotations_label/],
    ['split subset', { split: { id: 1, subset: 'test' } }, /split_assignments|PRIMARY KEY/],
    ['import errors', { status: 'error' }, /images_status/],
  ])('filters by %s through an index, never a correlated scan per image', (_name, filter, index) => {
    const { page, params } = imageQuerySql(filter);
    const detail = plan(page, params);
    expect(detail).toMatch(index);
    expect(detail).not.toMatch(/CORRELATED/);
  });
});
