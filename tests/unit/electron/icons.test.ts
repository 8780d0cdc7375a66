import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { encodeIcns, encodeIco, ICNS_PNG_TYPES, pngSize, readIcns, readIco } from '../../../scripts/icon-files.js';

const resources = path.resolve(import.meta.dirname, '../../../resources');

async function solidPng(size: number): Promise<Buffer> {
  return sharp({ create: { width: size, height: size, channels: 4, background: { r: 16, g: 24, b: 38, alpha: 1 } } }).png().toBuffer();
}

describe('app icons (made by npm run icons from resources/icon.svg)', () => {
  it('has a PNG per size for Linux, each the size its name says', () => {
    for (const s of [16, 24, 32, 48, 64, 128, 256, 512, 1024]) {
      const file = path.join(resources, 'icons', `${s}x${s}.png`);
      expect(existsSync(file), file).toBe(true);
      expect(pngSize(readFileSync(file))).toEqual({ width: s, height: s });
    }
    expect(pngSize(readFileSync(path.join(resources, 'icon.png')))).toEqual({ width: 512, height: 512 });
  });

  it('has a Windows .ico of PNG entries from 16 to 256 px', () => {
    const entries = readIco(readFileSync(path.join(resources, 'icon.ico')));
    expect(entries.map((e) => e.width)).toEqual([16, 24, 32, 48, 64, 128, 256]);
    for (const e of entries) expect([e.width, e.height]).toEqual([e.declared, e.declared]);
  });

  it('has a macOS .icns whose PNG entries have the sizes their types require', () => {
    const chunks = readIcns(readFileSync(path.join(resources, 'icon.icns')));
    expect(chunks.map((c) => c.type)).toEqual(expect.arrayContaining(['ic07', 'ic08', 'ic09', 'ic10']));
    for (const c of chunks) expect([c.type, c.width, c.height]).toEqual([c.type, ICNS_PNG_TYPES[c.type], ICNS_PNG_TYPES[c.type]]);
  });

  it('is not a blank image: the 256 px icon has the logo (several colours, opaque middle)', async () => {
    const { data, info } = await sharp(path.join(resources, 'icons', '256x256.png')).raw().toBuffer({ resolveWithObject: true });
    const colours = new Set<string>();
    for (let i = 0; i < data.length; i += info.channels * 7) colours.add(`${data[i]! >> 4},${data[i + 1]! >> 4},${data[i + 2]! >> 4}`);
    expect(colours.size).toBeGreaterThan(5);
    const middle = (128 * 256 + 128) * info.channels;
    expect(data[middle + 3]).toBe(255);
  });

  it('encodes and reads back ICO and icns containers (256 px stored as 0 in ICO)', async () => {
    const small = await solidPng(16);
    const big = await solidPng(256);
    const ico = encodeIco([{ size: 16, png: small }, { size: 256, png: big }]);
    expect(ico[6 + 16]).toBe(0); // width byte of the 256 px entry
    expect(readIco(ico)).toEqual([{ declared: 16, width: 16, height: 16 }, { declared: 256, width: 256, height: 256 }]);
    const icns = encodeIcns([{ type: 'icp4', png: small }, { type: 'ic08', png: big }]);
    expect(icns.readUInt32BE(4)).toBe(icns.length);
    expect(readIcns(icns)).toEqual([{ type: 'icp4', width: 16, height: 16 }, { type: 'ic08', width: 256, height: 256 }]);
    expect(() => readIcns(icns.subarray(0, icns.length - 1))).toThrow();
    expect(() => readIco(Buffer.from('not an icon'))).toThrow('not an ICO file');
  });
});
