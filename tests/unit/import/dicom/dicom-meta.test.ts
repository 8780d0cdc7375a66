import { describe, expect, it } from 'vitest';

import { sopClassName, toEye, toIsoDate } from '../../../../src-main/import/dicom/dicom-meta.js';
import { describeTransferSyntax } from '../../../../src-main/import/dicom/transfer-syntax.js';

describe('DICOM value mapping', () => {
  it('maps laterality R/L and OD/OS to eyes; B and blanks say nothing', () => {
    expect(toEye('R')).toBe('OD');
    expect(toEye('L ')).toBe('OS');
    expect(toEye('od')).toBe('OD');
    expect(toEye('OS')).toBe('OS');
    expect(toEye('B')).toBeUndefined();
    expect(toEye('')).toBeUndefined();
    expect(toEye(undefined)).toBeUndefined();
  });

  it('formats DA dates as YYYY-MM-DD and rejects impossible ones', () => {
    expect(toIsoDate('20240315')).toBe('2024-03-15');
    expect(toIsoDate('2024.03.15')).toBe('2024-03-15');
    expect(toIsoDate('20240230')).toBeUndefined();
    expect(toIsoDate('2024')).toBeUndefined();
    expect(toIsoDate(undefined)).toBeUndefined();
  });

  it('names SOP classes and transfer syntaxes, unknown ones by UID', () => {
    expect(sopClassName('1.2.840.10008.5.1.4.1.1.77.1.5.4')).toBe('Ophthalmic Tomography Image Storage');
    expect(sopClassName('1.2.840.10008.5.1.4.1.1.7')).toBe('Secondary Capture Image Storage');
    expect(sopClassName('1.2.3.4')).toBe('SOP class 1.2.3.4');
    expect(describeTransferSyntax('1.2.840.10008.1.2.4.100')).toEqual({
      uid: '1.2.840.10008.1.2.4.100',
      name: 'MPEG2 Main Profile / Main Level',
    });
    expect(describeTransferSyntax('1.2.840.10008.1.2.4.70').encoding).toBe('jpeg-lossless');
    expect(describeTransferSyntax('1.9.9').name).toBe('unknown transfer syntax');
  });
});
