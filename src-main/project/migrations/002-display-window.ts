import type { Migration } from './types.js';

/**
 * Display window of >8-bit images (DICOM OCT is often 12- or 16-bit): the training cache holds
 * an 8-bit rescale, and the viewer starts from the same window so what the user sees is what
 * the model sees; window/level then adjusts it on the original samples.
 */
export const displayWindow: Migration = {
  version: 2,
  name: 'display window of high-bit-depth images',
  up(db) {
    db.exec(`
      ALTER TABLE images ADD COLUMN window_low REAL;
      ALTER TABLE images ADD COLUMN window_high REAL;
    `);
  },
};
