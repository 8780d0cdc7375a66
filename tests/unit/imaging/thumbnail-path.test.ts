import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { thumbnailPath } from '../../../src-main/imaging/thumbnail.js';

describe('thumbnailPath', () => {
  const hash = 'AB12cd'.padEnd(64, 'e');

  it('is sharded by the first two hex digits and deterministic', () => {
    const p = thumbnailPath('/p/thumbs', hash, 3);
    expect(p).toBe(path.join('/p/thumbs', 'ab', `${hash.toLowerCase()}-3.jpg`));
    expect(thumbnailPath('/p/thumbs', hash, 3)).toBe(p);
    expect(thumbnailPath('/p/thumbs', hash, 4)).not.toBe(p);
  });

  it('refuses anything that could escape the folder', () => {
    expect(() => thumbnailPath('/p/thumbs', '../../etc/passwd', 0)).toThrow(/hex/);
    expect(() => thumbnailPath('/p/thumbs', 'a', 0)).toThrow(/hex/);
    expect(() => thumbnailPath('/p/thumbs', hash, -1)).toThrow(/non-negative/);
    expect(() => thumbnailPath('/p/thumbs', hash, 1.5)).toThrow(/non-negative/);
  });
});
