import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { DEFAULT_IMAGE_LIMITS, type GrayImage, ImageDecodeError } from '../../../../src-main/imaging/gray-image.js';
import { readDicom } from '../../../../src-main/import/dicom/read-dicom.js';

/**
 * Every fixture written by tests/fixtures/dicom/make-fixtures.py, decoded with the real codecs
 * (WASM and JS) and compared with the expected arrays saved next to it: exactly for lossless
 * syntaxes, within the manifest's tolerance for lossy ones.
 */
const FIXTURES = fileURLToPath(new URL('../../../fixtures/dicom/', import.meta.url));

interface ManifestEntry {
  expected: string;
  frames: number;
  width: number;
  height: number;
  tolerance: number;
  bitDepth: 8 | 16;
  bitsStored?: number;
}

const manifest = JSON.parse(readFileSync(`${FIXTURES}manifest.json`, 'utf8')) as Record<string, ManifestEntry>;

function fixture(name: string): Buffer {
  return readFileSync(FIXTURES + name);
}

function expectedPixels(entry: ManifestEntry): Uint8Array | Uint16Array {
  const raw = fixture(entry.expected);
  return entry.expected.endsWith('.u16')
    ? new Uint16Array(new Uint8Array(raw).buffer)
    : new Uint8Array(raw);
}

function maxDifference(image: GrayImage, expected: Uint8Array | Uint16Array, frame: number): number {
  const n = image.width * image.height;
  let max = 0;
  for (let p = 0; p < n; p++) max = Math.max(max, Math.abs((image.data[p] ?? 0) - (expected[frame * n + p] ?? 0)));
  return max;
}

function decodeError(run: () => unknown): ImageDecodeError {
  try {
    run();
  } catch (error) {
    if (error instanceof ImageDecodeError) return error;
    throw error;
  }
  throw new Error('expected an ImageDecodeError');
}

describe('readDicom: every fixture decodes to the expected pixels', () => {
  it.each(Object.entries(manifest))('%s', async (name, entry) => {
    const file = readDicom(fixture(name));
    expect(file.frameCount).toBe(entry.frames);
    const expected = expectedPixels(entry);
    for (let frame = 0; frame < file.frameCount; frame++) {
      const image = await file.decodeFrame(frame);
      expect(image.width).toBe(entry.width);
      expect(image.height).toBe(entry.height);
      expect(image.bitDepth).toBe(entry.bitDepth);
      if (image.bitDepth === 16) {
        expect(image.data).toBeInstanceOf(Uint16Array);
        expect(image.bitsStored).toBe(entry.bitsStored);
      } else {
        expect(image.data).toBeInstanceOf(Uint8Array);
      }
      expect(maxDifference(image, expected, frame)).toBeLessThanOrEqual(entry.tolerance);
    }
  });

  it('covers every supported transfer syntax', () => {
    const syntaxes = new Set(Object.keys(manifest).map((name) => readDicom(fixture(name)).meta.transferSyntaxUid));
    expect([...syntaxes].sort()).toEqual(
      [
        '1.2.840.10008.1.2',
        '1.2.840.10008.1.2.1',
        '1.2.840.10008.1.2.1.99',
        '1.2.840.10008.1.2.4.50',
        '1.2.840.10008.1.2.4.57',
        '1.2.840.10008.1.2.4.70',
        '1.2.840.10008.1.2.4.80',
        '1.2.840.10008.1.2.4.81',
        '1.2.840.10008.1.2.4.90',
        '1.2.840.10008.1.2.4.91',
        '1.2.840.10008.1.2.5',
      ].sort(),
    );
  });
});

describe('readDicom: metadata', () => {
  it('maps an enhanced multi-frame OCT volume', () => {
    const { meta } = readDicom(fixture('opt-explicit-8bit.dcm'));
    expect(meta).toMatchObject({
      sopClassUid: '1.2.840.10008.5.1.4.1.1.77.1.5.4',
      sopClassName: 'Ophthalmic Tomography Image Storage',
      modality: 'OPT',
      transferSyntaxUid: '1.2.840.10008.1.2.1',
      transferSyntaxName: 'Explicit VR Little Endian',
      patientId: 'PAT001',
      laterality: 'OD',
      studyDate: '2024-03-15',
      rows: 60,
      columns: 64,
      bitsAllocated: 8,
      bitsStored: 8,
      pixelRepresentation: 0,
      photometricInterpretation: 'MONOCHROME2',
      samplesPerPixel: 1,
      // From Shared Functional Groups > Pixel Measures, not the (absent) top-level attributes.
      pixelSpacing: [0.0039, 0.0117],
      sliceThickness: 0.047,
      manufacturer: 'OCT DINO Studio fixtures',
      manufacturerModelName: 'make-fixtures.py',
    });
    expect(meta.seriesInstanceUid).toMatch(/^1\.2\.826\.0\.1\.3680043\.10\.1234\.2\./);
    expect(meta.sopInstanceUid).toMatch(/^1\.2\.826\.0\.1\.3680043\.10\.1234\.3\./);
  });

  it('reads laterality from ImageLaterality, and OD/OS written directly', () => {
    expect(readDicom(fixture('opt-explicit-16bit.dcm')).meta.laterality).toBe('OS');
    expect(readDicom(fixture('single-frame.dcm')).meta.laterality).toBe('OS');
    expect(readDicom(fixture('rgb-sc.dcm')).meta.laterality).toBeUndefined();
  });

  it('reads the functional groups from an Implicit VR file too', () => {
    const { meta } = readDicom(fixture('opt-implicit-8bit.dcm'));
    expect(meta.transferSyntaxName).toBe('Implicit VR Little Endian');
    expect(meta.pixelSpacing).toEqual([0.0039, 0.0117]);
    expect(meta.laterality).toBe('OD');
  });

  it('falls back to top-level PixelSpacing and SliceThickness for single-frame files', () => {
    const file = readDicom(fixture('single-frame.dcm'));
    expect(file.frameCount).toBe(1);
    expect(file.meta.pixelSpacing).toEqual([0.005, 0.01]);
    expect(file.meta.sliceThickness).toBe(0.12);
  });

  it('keeps rescale and signedness of signed 12-bit data', () => {
    const { meta } = readDicom(fixture('opt-signed-16bit.dcm'));
    expect(meta).toMatchObject({ pixelRepresentation: 1, bitsStored: 12, rescaleSlope: 1, rescaleIntercept: -1024 });
    expect(readDicom(fixture('opt-explicit-8bit.dcm')).meta.rescaleSlope).toBeUndefined();
  });

  it('names a Secondary Capture without preamble, meta group or transfer syntax', () => {
    const { meta } = readDicom(fixture('sc-no-preamble.dcm'));
    expect(meta.sopClassName).toBe('Secondary Capture Image Storage');
    expect(meta.transferSyntaxUid).toBe('1.2.840.10008.1.2');
    expect(meta.patientId).toBe('PAT001');
  });
});

describe('readDicom: file layouts', () => {
  it('reads a Part 10 file whose 128-byte preamble and DICM were stripped', async () => {
    const whole = fixture('opt-explicit-16bit.dcm');
    const stripped = readDicom(whole.subarray(132));
    const original = readDicom(whole);
    expect(stripped.meta).toEqual(original.meta);
    expect((await stripped.decodeFrame(2)).data).toEqual((await original.decodeFrame(2)).data);
  });

  it('reads a file whose preamble is missing but DICM is present', async () => {
    const file = readDicom(fixture('opt-explicit-8bit.dcm').subarray(128));
    expect(file.frameCount).toBe(3);
  });

  it('decodes frames in any order and rejects indices outside the volume', async () => {
    const file = readDicom(fixture('jpeg-lossless-sv1-8bit.dcm'));
    const last = await file.decodeFrame(2);
    const first = await file.decodeFrame(0);
    expect(last.data[0]).toBe((first.data[0] ?? 0) + 20);
    await expect(file.decodeFrame(3)).rejects.toThrow(RangeError);
    await expect(file.decodeFrame(-1)).rejects.toThrow(RangeError);
  });

  it('returns MONOCHROME1 inverted and RGB reduced to luma', async () => {
    const mono1 = await readDicom(fixture('monochrome1.dcm')).decodeFrame(0);
    const mono2 = await readDicom(fixture('opt-explicit-8bit.dcm')).decodeFrame(0);
    expect(mono1.data).toEqual(mono2.data);
    const rgb = await readDicom(fixture('rgb-sc.dcm')).decodeFrame(0);
    // Top-left pixel: R = 0, G = 0, B = 255 → round(0.114 * 255) = 29.
    expect(rgb.data[0]).toBe(29);
  });
});

describe('readDicom: per-file errors name what was found', () => {
  it('rejects an unsupported transfer syntax by UID and name', () => {
    const error = decodeError(() => readDicom(fixture('unsupported-mpeg2.dcm')));
    expect(error.reason).toBe('unsupported');
    expect(error.message).toContain('Unsupported transfer syntax 1.2.840.10008.1.2.4.100 (MPEG2 Main Profile');
  });

  it('rejects Explicit VR Big Endian as unsupported', () => {
    const error = decodeError(() => readDicom(fixture('big-endian.dcm')));
    expect(error.reason).toBe('unsupported');
    expect(error.message).toContain('1.2.840.10008.1.2.2 (Explicit VR Big Endian');
  });

  it('recognises vendor-private Zeiss OCT data', () => {
    const error = decodeError(() => readDicom(fixture('vendor-private-zeiss.dcm')));
    expect(error.reason).toBe('vendor_private');
    expect(error.message).toMatch(/^Vendor-private OCT data \(Carl Zeiss Meditec private tags/);
    expect(error.message).toContain('"CZM_OCT_HIDDEN"');
    expect(error.message).toContain('6000 bytes in (0407,1010)');
    expect(error.message).toContain('export standard DICOM (Ophthalmic Tomography) from the device');
  });

  it('reports a truncated file', () => {
    const error = decodeError(() => readDicom(fixture('truncated.dcm')));
    expect(error.reason).toBe('truncated');
    expect(error.message).toMatch(/truncated/);
  });

  it('reports truncated encapsulated Pixel Data', () => {
    const whole = fixture('jpeg-lossless-sv1-16bit.dcm');
    const error = decodeError(() => readDicom(whole.subarray(0, whole.length - 3000)));
    expect(error.reason).toBe('truncated');
  });

  it('rejects a file that is not DICOM, and an empty one', () => {
    const error = decodeError(() => readDicom(fixture('not-dicom.dcm')));
    expect(error.reason).toBe('not_an_image');
    expect(error.message).toMatch(/Not a DICOM file: no "DICM" marker at byte 128/);
    expect(decodeError(() => readDicom(new Uint8Array(0))).reason).toBe('empty');
  });

  it('explains a DICOM file without Pixel Data', () => {
    // The vendor-private fixture minus its private group: a plain OPT header with no image.
    const bytes = new Uint8Array(fixture('vendor-private-zeiss.dcm'));
    const cut = bytes.findIndex((_, i) => bytes[i] === 0x07 && bytes[i + 1] === 0x04 && bytes[i + 2] === 0x10);
    const error = decodeError(() => readDicom(bytes.subarray(0, cut)));
    expect(error.reason).toBe('not_an_image');
    expect(error.message).toContain('no Pixel Data (7FE0,0010): Ophthalmic Tomography Image Storage, modality OPT');
  });

  it.each([
    ['j2k-lossless-16bit.dcm', [0xff, 0x4f, 0xff, 0x51], 0x55, /^JPEG 2000 frame 2 of 3 could not be decoded .*\[ERROR\]/],
    ['jpegls-lossless-16bit.dcm', [0xff, 0xd8], 0xff, /^JPEG-LS frame 2 of 3 could not be decoded .*Invalid JPEG-LS stream/],
    ['jpeg-baseline-8bit.dcm', [0xff, 0xd8], 0xff, /^JPEG baseline frame 2 of 3 could not be decoded/],
    ['jpeg-lossless-sv1-8bit.dcm', [0xff, 0xd8], 0xff, /^JPEG lossless frame 2 of 3 could not be decoded/],
  ] as const)('turns a corrupt frame of %s into an error for that frame only', async (name, marker, fill, message) => {
    const bytes = new Uint8Array(fixture(name));
    // Overwrite the header of the second frame's codestream (its second start marker).
    const starts = [...bytes.keys()].filter((i) => marker.every((b, k) => bytes[i + k] === b));
    const second = starts[1] ?? -1;
    expect(second).toBeGreaterThan(0);
    bytes.fill(fill, second + 2, second + 40);
    const file = readDicom(bytes);
    await expect(file.decodeFrame(0)).resolves.toMatchObject({ width: 64, height: 60 });
    const error = await file.decodeFrame(1).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ImageDecodeError);
    expect((error as ImageDecodeError).reason).toBe('unreadable');
    expect((error as ImageDecodeError).message).toMatch(message);
  });

  it('checks size limits from Rows, Columns and NumberOfFrames before decoding', () => {
    const bytes = fixture('opt-explicit-8bit.dcm');
    const side = decodeError(() => readDicom(bytes, { ...DEFAULT_IMAGE_LIMITS, maxSide: 63 }));
    expect(side.reason).toBe('too_large');
    expect(side.message).toContain('64x60');
    const pixels = decodeError(() => readDicom(bytes, { ...DEFAULT_IMAGE_LIMITS, maxPixels: 3000 }));
    expect(pixels.reason).toBe('too_large');
    // A compressed file small enough to read whose decoded volume is not.
    const compressed = fixture('jpeg-lossless-sv1-8bit.dcm');
    const volume = decodeError(() => readDicom(compressed, { ...DEFAULT_IMAGE_LIMITS, maxFileBytes: compressed.length + 1 }));
    expect(volume.reason).toBe('too_large');
    expect(volume.message).toContain('3 frames of 64x60');
  });
});
