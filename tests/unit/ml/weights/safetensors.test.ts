import { describe, expect, it } from 'vitest';
import { readSafetensors, SafetensorsError, writeSafetensors } from '../../../../src-main/ml/weights/safetensors.js';

/** A file from a literal header object and raw data bytes. */
function fileOf(header: unknown, data: Uint8Array, headerText = JSON.stringify(header)): Uint8Array {
  const json = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function errorOf(f: () => unknown): SafetensorsError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(SafetensorsError);
    return err as SafetensorsError;
  }
  throw new Error('expected a SafetensorsError');
}

describe('safetensors', () => {
  it('round-trips float32, int32 and int64 tensors and metadata exactly', () => {
    const f = Float32Array.from([1.5, -0, Math.PI, 1e-40, -Infinity, 3.4e38]);
    const i = Int32Array.from([1, -2, 2147483647]);
    const l = BigInt64Array.from([1n, -(2n ** 62n)]);
    const bytes = writeSafetensors(
      [
        ['a.weight', { shape: [2, 3], data: f }],
        ['steps', { shape: [3], data: i }],
        ['big', { shape: [2, 1], data: l }],
        ['scalar', { shape: [], data: Float32Array.from([7]) }],
      ],
      { arch: 'vit_tiny' },
    );
    expect((new DataView(bytes.buffer).getBigUint64(0, true) + 8n) % 8n).toBe(0n);
    const back = readSafetensors(bytes);
    expect(back.metadata).toEqual({ arch: 'vit_tiny' });
    expect([...back.tensors.keys()]).toEqual(['a.weight', 'steps', 'big', 'scalar']);
    const a = back.tensors.get('a.weight')!;
    expect(a.dtype).toBe('F32');
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data as Float32Array)).toEqual(Array.from(f));
    expect(Object.is((a.data as Float32Array)[1], -0)).toBe(true);
    expect(Array.from(back.tensors.get('steps')!.data as Int32Array)).toEqual([1, -2, 2147483647]);
    expect(Array.from(back.tensors.get('big')!.data as BigInt64Array)).toEqual([1n, -(2n ** 62n)]);
    expect(back.tensors.get('scalar')!.shape).toEqual([]);
  });

  it('widens float16 and bfloat16 to float32', () => {
    // f16: 1.0 = 0x3c00, -2.5 = 0xc100, 65504 = 0x7bff, smallest subnormal 2^-24 = 0x0001, inf = 0x7c00
    const half = Uint16Array.from([0x3c00, 0xc100, 0x7bff, 0x0001, 0x7c00]);
    // bf16: 1.0 = 0x3f80, -3.0 = 0xc040, 0.15625 = 0x3e20
    const bf = Uint16Array.from([0x3f80, 0xc040, 0x3e20]);
    const data = new Uint8Array(16);
    data.set(new Uint8Array(half.buffer), 0);
    data.set(new Uint8Array(bf.buffer), 10);
    const file = fileOf(
      { h: { dtype: 'F16', shape: [5], data_offsets: [0, 10] }, b: { dtype: 'BF16', shape: [3], data_offsets: [10, 16] } },
      data,
    );
    const { tensors } = readSafetensors(file);
    expect(Array.from(tensors.get('h')!.data as Float32Array)).toEqual([1, -2.5, 65504, 2 ** -24, Infinity]);
    expect(Array.from(tensors.get('b')!.data as Float32Array)).toEqual([1, -3, 0.15625]);
  });

  it('refuses truncated files', () => {
    expect(errorOf(() => readSafetensors(new Uint8Array(5))).code).toBe('TRUNCATED');
    const good = writeSafetensors([['w', { shape: [4], data: new Float32Array(4) }]]);
    expect(errorOf(() => readSafetensors(good.subarray(0, 20))).message).toMatch(/truncated/);
    const cut = errorOf(() => readSafetensors(good.subarray(0, good.length - 4)));
    expect(cut.code).toBe('BAD_OFFSETS');
    expect(cut.message).toMatch(/'w'.*outside/);
  });

  it('refuses bad offsets, sizes, dtypes and headers', () => {
    const data = new Uint8Array(16);
    const t = (extra: object) => ({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16], ...extra } });
    expect(errorOf(() => readSafetensors(fileOf(t({ data_offsets: [0, 32] }), data))).code).toBe('BAD_OFFSETS');
    expect(errorOf(() => readSafetensors(fileOf(t({ data_offsets: [8, 4] }), data))).code).toBe('BAD_OFFSETS');
    expect(errorOf(() => readSafetensors(fileOf(t({ shape: [3] }), data))).message).toMatch(/needs 12 bytes but data_offsets span 16/);
    expect(errorOf(() => readSafetensors(fileOf(t({ dtype: 'F64', shape: [2] }), data))).message).toMatch(/unsupported dtype "F64"/);
    expect(errorOf(() => readSafetensors(fileOf(t({ shape: [-4] }), data))).code).toBe('BAD_ENTRY');
    const overlap = {
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
    };
    expect(errorOf(() => readSafetensors(fileOf(overlap, data))).message).toMatch(/overlapping or gapped/);
    const trailing = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
    expect(errorOf(() => readSafetensors(fileOf(trailing, data))).message).toMatch(/cover 8 of the 16/);
    expect(errorOf(() => readSafetensors(fileOf(null, data, '{"w": '))).code).toBe('BAD_HEADER');
    expect(errorOf(() => readSafetensors(fileOf(null, data, '[1,2]'))).code).toBe('BAD_HEADER');
    expect(errorOf(() => readSafetensors(fileOf({ ...t({}), __metadata__: { n: 1 } }, data))).message).toMatch(/__metadata__.n/);
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setBigUint64(0, 2n ** 40n, true);
    expect(errorOf(() => readSafetensors(huge)).code).toBe('HEADER_TOO_LARGE');
  });

  it('refuses to write a shape that does not match the data', () => {
    expect(() => writeSafetensors([['w', { shape: [3], data: new Float32Array(4) }]])).toThrow(/needs 3 values, got 4/);
  });
});
