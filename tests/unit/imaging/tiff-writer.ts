import { deflateSync } from 'node:zlib';

/**
 * A minimal baseline TIFF writer for test fixtures. sharp cannot write what these tests need:
 * its TIFF output is always 8-bit (a 16-bit `grey16` image comes out as `b-w` uchar), always
 * single-page here, and always puts the IFD *after* the pixel data. Real OCT exports also come
 * with the IFD first (ImageJ, many device converters), which is the layout where a truncated
 * file still parses and the codec, not the header check, has to notice the missing strips.
 */
export interface TiffPage {
  width: number;
  height: number;
  /** 8-bit or 16-bit grayscale samples, row-major. */
  data: Uint8Array | Uint16Array;
}

export interface TiffOptions {
  bigEndian?: boolean;
  compression?: 'none' | 'deflate';
  /** Rows per strip (default: 16), so the file has several strips like real writers produce. */
  rowsPerStrip?: number;
}

const SHORT = 3;
const LONG = 4;

export function writeTiff(pages: TiffPage[], opts: TiffOptions = {}): Uint8Array {
  const le = !opts.bigEndian;
  const chunks: Uint8Array[] = [];
  let length = 8;
  const header = new DataView(new ArrayBuffer(8));
  header.setUint8(0, le ? 0x49 : 0x4d);
  header.setUint8(1, le ? 0x49 : 0x4d);
  header.setUint16(2, 42, le);
  header.setUint32(4, 8, le); // first IFD right after the header
  chunks.push(new Uint8Array(header.buffer));

  pages.forEach((page, pageIndex) => {
    const bits = page.data instanceof Uint16Array ? 16 : 8;
    const bytesPerRow = page.width * (bits / 8);
    const rowsPerStrip = Math.min(opts.rowsPerStrip ?? 16, page.height);
    const strips: Uint8Array[] = [];
    for (let y = 0; y < page.height; y += rowsPerStrip) {
      const rows = Math.min(rowsPerStrip, page.height - y);
      const raw = new Uint8Array(rows * bytesPerRow);
      const view = new DataView(raw.buffer);
      for (let i = 0; i < rows * page.width; i++) {
        const v = page.data[y * page.width + i] ?? 0;
        if (bits === 16) view.setUint16(i * 2, v, le);
        else raw[i] = v;
      }
      strips.push(opts.compression === 'deflate' ? new Uint8Array(deflateSync(raw)) : raw);
    }
    const entries: Array<[tag: number, type: number, values: number[]]> = [
      [256, LONG, [page.width]],
      [257, LONG, [page.height]],
      [258, SHORT, [bits]],
      [259, SHORT, [opts.compression === 'deflate' ? 8 : 1]],
      [262, SHORT, [1]], // BlackIsZero
      [273, LONG, []], // StripOffsets, filled below
      [277, SHORT, [1]],
      [278, LONG, [rowsPerStrip]],
      [279, LONG, strips.map((s) => s.length)],
    ];
    const ifdSize = 2 + entries.length * 12 + 4;
    // Out-of-line arrays (offsets, byte counts) go right after the IFD, then the strips.
    const arrays = 2 * (strips.length > 1 ? strips.length * 4 : 0);
    const ifdStart = length;
    let dataStart = ifdStart + ifdSize + arrays;
    const offsets: number[] = [];
    for (const s of strips) {
      offsets.push(dataStart);
      dataStart += s.length;
    }
    entries[5] = [273, LONG, offsets];
    const ifd = new DataView(new ArrayBuffer(ifdSize + arrays));
    ifd.setUint16(0, entries.length, le);
    let extra = ifdStart + ifdSize;
    entries.forEach(([tag, type, values], i) => {
      const at = 2 + i * 12;
      ifd.setUint16(at, tag, le);
      ifd.setUint16(at + 2, type, le);
      ifd.setUint32(at + 4, values.length, le);
      if (values.length === 1) {
        if (type === SHORT) ifd.setUint16(at + 8, values[0] ?? 0, le);
        else ifd.setUint32(at + 8, values[0] ?? 0, le);
      } else {
        ifd.setUint32(at + 8, extra, le);
        values.forEach((v, k) => ifd.setUint32(extra - ifdStart + k * 4, v, le));
        extra += values.length * 4;
      }
    });
    const next = pageIndex < pages.length - 1 ? dataStart : 0;
    ifd.setUint32(2 + entries.length * 12, next, le);
    chunks.push(new Uint8Array(ifd.buffer), ...strips);
    length = dataStart;
  });

  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
