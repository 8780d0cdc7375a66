import { describe, expect, it } from 'vitest';

import { type SampleLayout, toGrayImage } from '../../../../src-main/import/dicom/to-gray.js';

const grey = (width: number, bitsStored: number, extra: Partial<SampleLayout> = {}): SampleLayout => ({
  width,
  height: 1,
  samplesPerPixel: 1,
  planar: false,
  bitsStored,
  bitShift: 0,
  signed: false,
  photometric: 'MONOCHROME2',
  colourIsRgb: false,
  ...extra,
});

describe('toGrayImage', () => {
  it('keeps 12-bit data 16-bit, masking bits above BitsStored', () => {
    const image = toGrayImage(new Uint16Array([0, 4095, 0xf123]), grey(3, 12));
    expect(image).toMatchObject({ bitDepth: 16, bitsStored: 12 });
    expect([...image.data]).toEqual([0, 4095, 0x123]);
  });

  it('shifts signed data to unsigned (two’s complement in BitsStored bits)', () => {
    // -2048, -1, 0, 2047 as 16-bit patterns (sign-extended) → 0, 2047, 2048, 4095.
    const samples = new Uint16Array([0xf800, 0xffff, 0, 2047]);
    expect([...toGrayImage(samples, grey(4, 12, { signed: true })).data]).toEqual([0, 2047, 2048, 4095]);
  });

  it('inverts MONOCHROME1 within BitsStored', () => {
    expect([...toGrayImage(new Uint16Array([0, 1000, 4095]), grey(3, 12, { photometric: 'MONOCHROME1' })).data]).toEqual([
      4095, 3095, 0,
    ]);
    expect([...toGrayImage(new Uint8Array([0, 255]), grey(2, 8, { photometric: 'MONOCHROME1' })).data]).toEqual([255, 0]);
  });

  it('honours a HighBit that is not BitsStored - 1', () => {
    // BitsStored 12, HighBit 15: the value lives in the top 12 bits.
    expect([...toGrayImage(new Uint16Array([0xabc0]), grey(1, 12, { bitShift: 4 })).data]).toEqual([0xabc]);
  });

  it('reduces interleaved and planar RGB to BT.601 luma, and YBR to its Y channel', () => {
    const rgb = { samplesPerPixel: 3, photometric: 'RGB' };
    expect([...toGrayImage(new Uint8Array([255, 0, 0, 0, 255, 0]), grey(2, 8, rgb)).data]).toEqual([76, 150]);
    expect([...toGrayImage(new Uint8Array([255, 0, 0, 255, 0, 0]), grey(2, 8, { ...rgb, planar: true })).data]).toEqual([
      76, 150,
    ]);
    const ybr = { samplesPerPixel: 3, photometric: 'YBR_FULL' };
    expect([...toGrayImage(new Uint8Array([90, 128, 128]), grey(1, 8, ybr)).data]).toEqual([90]);
    // Decoders that already converted YCbCr to RGB: luma again.
    expect([...toGrayImage(new Uint8Array([255, 255, 255]), grey(1, 8, { ...ybr, colourIsRgb: true })).data]).toEqual([255]);
  });
});
