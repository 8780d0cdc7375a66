/**
 * The compressed-frame decoders, behind one signature. JPEG baseline, JPEG-LS and JPEG 2000 are
 * cornerstone's Emscripten WASM builds (their `decodewasmjs` entries, loaded once, lazily, on
 * first use); JPEG lossless process 14 is jpeg-lossless-decoder-js (plain JS). The packages ship
 * no type declarations, so the few members used are typed here.
 */
import { createRequire } from 'node:module';

import { ImageDecodeError } from '../../imaging/gray-image.js';
import type { PixelEncoding } from './transfer-syntax.js';

/** A decoded frame as the codec returns it: interleaved samples, low bits used. */
export interface DecodedFrame {
  width: number;
  height: number;
  components: number;
  /** Uint8Array when the codec's sample precision is ≤ 8 bits, else Uint16Array. */
  samples: Uint8Array | Uint16Array;
  /** Colour samples come plane by plane (JPEG-LS "interleave mode none"). */
  planar: boolean;
}

interface FrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned: boolean;
}

/** The shared shape of the three Emscripten (embind) decoder classes. */
interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getFrameInfo(): FrameInfo;
  getDecodedBuffer(): Uint8Array;
  /** JPEG-LS only: 0 = planes one after another, 1 = line, 2 = sample interleaved. */
  getInterleaveMode?(): number;
  delete(): void;
}

type WasmDecoderClass = new () => WasmDecoder;

/** A loaded codec: its decoder class and, where built in (CharLS), C++ exception text. */
interface WasmCodec {
  DecoderClass: WasmDecoderClass;
  exceptionMessage?: (pointer: number) => unknown;
}

/** Emscripten module options: where the module's stdout/stderr lines go. */
type WasmFactory = (options: { print: (line: string) => void; printErr: (line: string) => void }) => Promise<
  Record<string, unknown>
>;

interface LosslessDecoder {
  decode(buffer: ArrayBufferLike, offset: number, length: number): Uint8Array | Uint16Array;
  xDim: number;
  yDim: number;
  numComp: number;
}

const requireCodec = createRequire(import.meta.url);
const wasmCodecs = new Map<string, Promise<WasmCodec>>();

/**
 * OpenJPEG prints "[INFO] …" lines to stdout for every frame; library code must not write to
 * the console, so module output is kept here instead and quoted only when a decode fails.
 * Decoding is synchronous inside WASM, so the lines always belong to the current frame.
 */
let codecLog: string[] = [];
function logCodecLine(line: string): void {
  codecLog.push(line);
  if (codecLog.length > 20) codecLog = codecLog.slice(-10);
}

/** Instantiates a WASM module once per process and returns its decoder class. */
function loadWasmCodec(moduleId: string, className: string): Promise<WasmCodec> {
  let loaded = wasmCodecs.get(moduleId);
  if (!loaded) {
    loaded = (async () => {
      const factory = requireCodec(moduleId) as WasmFactory;
      const module = await factory({ print: logCodecLine, printErr: logCodecLine });
      const decoderClass = module[className];
      if (typeof decoderClass !== 'function') throw new Error(`${moduleId} has no ${className}`);
      const exceptionMessage = module['getExceptionMessage'];
      return {
        DecoderClass: decoderClass as WasmDecoderClass,
        ...(typeof exceptionMessage === 'function'
          ? { exceptionMessage: exceptionMessage as (pointer: number) => unknown }
          : {}),
      };
    })();
    // A failed load (missing .wasm) should be retried next time, not cached forever.
    loaded.catch(() => wasmCodecs.delete(moduleId));
    wasmCodecs.set(moduleId, loaded);
  }
  return loaded;
}

const WASM_CODECS = {
  'jpeg-baseline': ['@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs', 'JPEGDecoder'],
  'jpeg-ls': ['@cornerstonejs/codec-charls/decodewasmjs', 'JpegLSDecoder'],
  jpeg2000: ['@cornerstonejs/codec-openjpeg/decodewasmjs', 'J2KDecoder'],
} as const;

async function decodeWithWasm(encoding: keyof typeof WASM_CODECS, encoded: Uint8Array): Promise<DecodedFrame> {
  const [moduleId, className] = WASM_CODECS[encoding];
  const codec = await loadWasmCodec(moduleId, className);
  const decoder = new codec.DecoderClass();
  codecLog = [];
  try {
    decoder.getEncodedBuffer(encoded.length).set(encoded);
    decoder.decode();
    const info = decoder.getFrameInfo();
    // OpenJPEG reports a corrupt codestream by decoding nothing rather than by throwing.
    if (info.width === 0 || info.height === 0) throw new Error('the decoder produced no image');
    // getDecodedBuffer() is a view into WASM memory: copy it before the decoder is freed.
    const bytes = decoder.getDecodedBuffer().slice();
    const samples = info.bitsPerSample > 8 ? new Uint16Array(bytes.buffer, 0, bytes.length >> 1) : bytes;
    const planar = info.componentCount > 1 && decoder.getInterleaveMode?.() === 0;
    return { width: info.width, height: info.height, components: info.componentCount, samples, planar };
  } catch (error) {
    // Emscripten throws C++ exceptions as bare pointers; CharLS can turn one into its text.
    if (typeof error === 'number' && codec.exceptionMessage) {
      throw new Error(String(codec.exceptionMessage(error)), { cause: error });
    }
    throw error;
  } finally {
    decoder.delete();
  }
}

let losslessDecoderClass: (new () => LosslessDecoder) | undefined;

function decodeJpegLossless(encoded: Uint8Array): DecodedFrame {
  losslessDecoderClass ??= (requireCodec('jpeg-lossless-decoder-js') as { Decoder: new () => LosslessDecoder }).Decoder;
  const decoder = new losslessDecoderClass();
  // The decoder wraps (buffer, offset, length) in its own Uint8Array: hand it the exact bytes.
  const samples = decoder.decode(encoded.buffer, encoded.byteOffset, encoded.length);
  return { width: decoder.xDim, height: decoder.yDim, components: decoder.numComp, samples, planar: false };
}

/** Emscripten throws numbers (exception pointers) or strings; keep whatever text there is. */
function describeCodecError(error: unknown): string {
  const problems = codecLog.filter((line) => /error|warn/i.test(line)).slice(-3);
  const text =
    error instanceof Error ? error.message : typeof error === 'number' ? `codec aborted (exception ${error})` : String(error);
  return problems.length > 0 ? `${text}; ${problems.join('; ')}` : text;
}

const CODEC_NAMES: Record<Exclude<PixelEncoding, 'native' | 'rle'>, string> = {
  'jpeg-baseline': 'JPEG baseline',
  'jpeg-lossless': 'JPEG lossless',
  'jpeg-ls': 'JPEG-LS',
  jpeg2000: 'JPEG 2000',
};

/** Decodes one compressed frame; codec failures become ImageDecodeError('unreadable'). */
export async function decodeCompressedFrame(
  encoding: Exclude<PixelEncoding, 'native' | 'rle'>,
  encoded: Uint8Array,
  frameLabel: string,
): Promise<DecodedFrame> {
  try {
    return encoding === 'jpeg-lossless' ? decodeJpegLossless(encoded) : await decodeWithWasm(encoding, encoded);
  } catch (error) {
    const decodeError = new ImageDecodeError(
      'unreadable',
      `${CODEC_NAMES[encoding]} ${frameLabel} could not be decoded (${encoded.length} bytes): ${describeCodecError(error)}`,
    );
    decodeError.cause = error;
    throw decodeError;
  }
}
