// Encoders and readers for the icon containers the installers use, with PNG images inside:
// ICO (Windows Vista+ reads PNG entries) and ICNS (macOS 10.7+ reads PNG in these types).
// scripts/make-icons.js writes them; scripts/pack-check.js and the unit tests read them back.

/** icns chunk type → the pixel size its PNG must have. */
export const ICNS_PNG_TYPES = { icp4: 16, icp5: 32, ic11: 32, ic12: 64, ic07: 128, ic13: 256, ic08: 256, ic14: 512, ic09: 512, ic10: 1024 };

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from a PNG's IHDR, or null when the bytes are not a PNG. */
export function pngSize(buf) {
  if (buf.length < 24 || !buf.subarray(0, 8).equals(PNG_MAGIC) || buf.toString('ascii', 12, 16) !== 'IHDR') return null;
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

/** ICO with PNG-compressed images. A width/height byte of 0 means 256. */
export function encodeIco(images) {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0); // reserved
  header.writeUInt16LE(1, 2); // type: icon
  header.writeUInt16LE(images.length, 4);
  const entries = [];
  let offset = 6 + 16 * images.length;
  for (const { size, png } of images) {
    const entry = Buffer.alloc(16);
    entry.writeUInt8(size >= 256 ? 0 : size, 0);
    entry.writeUInt8(size >= 256 ? 0 : size, 1);
    entry.writeUInt16LE(1, 4); // colour planes
    entry.writeUInt16LE(32, 6); // bits per pixel
    entry.writeUInt32LE(png.length, 8);
    entry.writeUInt32LE(offset, 12);
    entries.push(entry);
    offset += png.length;
  }
  return Buffer.concat([header, ...entries, ...images.map((i) => i.png)]);
}

/** The entries of an ICO file: declared size and the embedded PNG's real size. Throws when malformed. */
export function readIco(buf) {
  if (buf.length < 6 || buf.readUInt16LE(0) !== 0 || buf.readUInt16LE(2) !== 1) throw new Error('not an ICO file');
  const count = buf.readUInt16LE(4);
  const out = [];
  for (let i = 0; i < count; i++) {
    const at = 6 + 16 * i;
    const declared = buf.readUInt8(at) || 256;
    const length = buf.readUInt32LE(at + 8);
    const offset = buf.readUInt32LE(at + 12);
    if (offset + length > buf.length) throw new Error(`ICO entry ${i} runs past the end of the file`);
    const png = pngSize(buf.subarray(offset, offset + length));
    if (!png) throw new Error(`ICO entry ${i} is not a PNG`);
    out.push({ declared, width: png.width, height: png.height });
  }
  return out;
}

/** icns: 'icns' + total length, then chunks of type + length (8-byte header included) + PNG. */
export function encodeIcns(chunks) {
  const parts = chunks.map(({ type, png }) => {
    const head = Buffer.alloc(8);
    head.write(type, 0, 'ascii');
    head.writeUInt32BE(png.length + 8, 4);
    return Buffer.concat([head, png]);
  });
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'ascii');
  head.writeUInt32BE(body.length + 8, 4);
  return Buffer.concat([head, body]);
}

/** The chunks of an icns file with their PNG sizes. Throws when malformed. */
export function readIcns(buf) {
  if (buf.length < 8 || buf.toString('ascii', 0, 4) !== 'icns' || buf.readUInt32BE(4) !== buf.length) throw new Error('not an icns file (or its length is wrong)');
  const out = [];
  for (let at = 8; at < buf.length; ) {
    const type = buf.toString('ascii', at, at + 4);
    const length = buf.readUInt32BE(at + 4);
    if (length < 8 || at + length > buf.length) throw new Error(`icns chunk ${type} has a bad length`);
    const png = pngSize(buf.subarray(at + 8, at + length));
    out.push({ type, width: png?.width ?? null, height: png?.height ?? null });
    at += length;
  }
  return out;
}
