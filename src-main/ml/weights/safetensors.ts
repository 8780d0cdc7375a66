/**
 * The safetensors format (Hugging Face), the interchange format for backbone weights:
 * an 8-byte little-endian header length N, N bytes of JSON
 * `{ name: { dtype, shape, data_offsets: [start, end] }, "__metadata__": { string: string } }`,
 * then the tensors' bytes, offsets relative to the end of the header.
 *
 * Reading is bounded and validated like the reference implementation (header size limit,
 * offsets inside the data and covering it without gaps or overlaps, shape × dtype size equal
 * to the byte length): a truncated or corrupt file fails with a `SafetensorsError` that
 * says what is wrong, never with a garbage tensor. Float16 and bfloat16 are widened to
 * float32 on read; writing is float32 (and the integer types) only.
 */

/** Dtypes this reader understands. */
export const SAFETENSORS_DTYPES = ['F32', 'F16', 'BF16', 'I32', 'I64'] as const;
export type SafetensorsDtype = (typeof SAFETENSORS_DTYPES)[number];

const DTYPE_BYTES: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2, I32: 4, I64: 8 };

/** Largest header accepted (the reference implementation's limit is also 100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

export type SafetensorsTensor =
  | { dtype: 'F32' | 'F16' | 'BF16'; shape: number[]; data: Float32Array }
  | { dtype: 'I32'; shape: number[]; data: Int32Array }
  | { dtype: 'I64'; shape: number[]; data: BigInt64Array };

export interface SafetensorsFile {
  /** In the header's order. Float16/bfloat16 tensors are already widened to float32. */
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

export type SafetensorsErrorCode = 'TRUNCATED' | 'HEADER_TOO_LARGE' | 'BAD_HEADER' | 'BAD_ENTRY' | 'BAD_OFFSETS';

export class SafetensorsError extends Error {
  override readonly name = 'SafetensorsError';
  constructor(
    message: string,
    readonly code: SafetensorsErrorCode,
  ) {
    super(message);
  }
}

function isDtype(s: unknown): s is SafetensorsDtype {
  return typeof s === 'string' && (SAFETENSORS_DTYPES as readonly string[]).includes(s);
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

/** IEEE half → float, subnormals, infinities and NaN included. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function decode(dtype: SafetensorsDtype, bytes: Uint8Array, count: number): SafetensorsTensor['data'] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'F32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    }
    case 'F16': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
      return out;
    }
    case 'BF16': {
      // bfloat16 is the top half of a float32.
      const bits = new Uint32Array(count);
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(i * 2, true) << 16;
      return new Float32Array(bits.buffer);
    }
    case 'I32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, true);
      return out;
    }
    case 'I64': {
      const out = new BigInt64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getBigInt64(i * 8, true);
      return out;
    }
  }
}

interface Entry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  start: number;
  end: number;
}

function parseEntry(name: string, raw: unknown, dataBytes: number): Entry {
  const bad = (why: string): never => {
    throw new SafetensorsError(`safetensors tensor '${name}': ${why}`, 'BAD_ENTRY');
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad('entry is not an object');
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (!isDtype(dtype)) return bad(`unsupported dtype ${JSON.stringify(dtype)} (supported: ${SAFETENSORS_DTYPES.join(', ')})`);
  if (!Array.isArray(shape) || !shape.every(isCount)) return bad(`shape ${JSON.stringify(shape)} is not a list of sizes`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    return bad(`data_offsets ${JSON.stringify(offsets)} is not [start, end]`);
  }
  const [start, end] = offsets as [number, number];
  if (start > end || end > dataBytes) {
    throw new SafetensorsError(
      `safetensors tensor '${name}': data_offsets [${start}, ${end}] lie outside the ${dataBytes} data bytes (truncated file?)`,
      'BAD_OFFSETS',
    );
  }
  const elements = (shape as number[]).reduce((a, b) => a * b, 1);
  const want = elements * DTYPE_BYTES[dtype];
  if (end - start !== want) {
    return bad(`shape [${shape.join(', ')}] of ${dtype} needs ${want} bytes but data_offsets span ${end - start}`);
  }
  return { name, dtype, shape: shape as number[], start, end };
}

/** Parses a safetensors file; throws `SafetensorsError` on anything malformed. */
export function readSafetensors(file: Uint8Array, { maxHeaderBytes = MAX_HEADER_BYTES } = {}): SafetensorsFile {
  if (file.byteLength < 8) {
    throw new SafetensorsError(`safetensors file is ${file.byteLength} bytes: too short for its 8-byte header length`, 'TRUNCATED');
  }
  const headerLength = new DataView(file.buffer, file.byteOffset, 8).getBigUint64(0, true);
  if (headerLength > BigInt(maxHeaderBytes)) {
    throw new SafetensorsError(`safetensors header is ${headerLength} bytes, over the ${maxHeaderBytes}-byte limit`, 'HEADER_TOO_LARGE');
  }
  const n = Number(headerLength);
  if (8 + n > file.byteLength) {
    throw new SafetensorsError(
      `safetensors header claims ${n} bytes but the file has only ${file.byteLength - 8} after the length (truncated file?)`,
      'TRUNCATED',
    );
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(file.subarray(8, 8 + n)));
  } catch (err) {
    throw new SafetensorsError(`safetensors header is not valid UTF-8 JSON: ${(err as Error).message}`, 'BAD_HEADER');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new SafetensorsError('safetensors header is not a JSON object', 'BAD_HEADER');
  }
  const data = file.subarray(8 + n);
  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        throw new SafetensorsError('safetensors __metadata__ is not an object', 'BAD_HEADER');
      }
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new SafetensorsError(`safetensors __metadata__.${k} is not a string`, 'BAD_HEADER');
        metadata[k] = v;
      }
      continue;
    }
    entries.push(parseEntry(name, raw, data.byteLength));
  }
  // As the reference reader: the tensors tile the data exactly, no gaps, no overlaps.
  const byStart = [...entries].sort((a, b) => a.start - b.start || a.end - b.end);
  let cursor = 0;
  for (const e of byStart) {
    if (e.start !== cursor) {
      throw new SafetensorsError(
        `safetensors tensor '${e.name}' starts at byte ${e.start}, expected ${cursor} (overlapping or gapped data_offsets)`,
        'BAD_OFFSETS',
      );
    }
    cursor = e.end;
  }
  if (cursor !== data.byteLength) {
    throw new SafetensorsError(
      `safetensors tensors cover ${cursor} of the ${data.byteLength} data bytes (trailing bytes or a wrong header)`,
      'BAD_OFFSETS',
    );
  }
  const tensors = new Map<string, SafetensorsTensor>();
  for (const e of entries) {
    const count = e.shape.reduce((a, b) => a * b, 1);
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: decode(e.dtype, data.subarray(e.start, e.end), count) } as SafetensorsTensor);
  }
  return { tensors, metadata };
}

export interface WritableTensor {
  shape: readonly number[];
  data: Float32Array | Int32Array | BigInt64Array;
}

function dtypeOf(data: WritableTensor['data']): SafetensorsDtype {
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof Int32Array) return 'I32';
  return 'I64';
}

/** Serialises tensors (float32, int32, int64) in the given order, with string metadata. */
export function writeSafetensors(
  tensors: Iterable<readonly [string, WritableTensor]>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  const parts: Array<{ offset: number; t: WritableTensor }> = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__' || name in header) throw new SafetensorsError(`cannot write tensor name '${name}'`, 'BAD_ENTRY');
    const elements = t.shape.reduce((a, b) => a * b, 1);
    if (elements !== t.data.length) {
      throw new SafetensorsError(`tensor '${name}': shape [${t.shape.join(', ')}] needs ${elements} values, got ${t.data.length}`, 'BAD_ENTRY');
    }
    const dtype = dtypeOf(t.data);
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + t.data.byteLength] };
    parts.push({ offset, t });
    offset += t.data.byteLength;
  }
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.byteLength / 8) * 8; // keeps the data 8-byte aligned
  if (padded !== json.byteLength) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.byteLength + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  const base = 8 + json.byteLength;
  for (const { offset: at, t } of parts) {
    const d = t.data;
    for (let i = 0; i < d.length; i++) {
      const pos = base + at + i * d.BYTES_PER_ELEMENT;
      if (d instanceof Float32Array) view.setFloat32(pos, d[i]!, true);
      else if (d instanceof Int32Array) view.setInt32(pos, d[i]!, true);
      else view.setBigInt64(pos, d[i]!, true);
    }
  }
  return out;
}
