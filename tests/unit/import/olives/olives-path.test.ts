import { describe, expect, it } from 'vitest';
import { biomarkerColumns } from '../../../../src-main/import/olives/labels.js';
import { locateOlivesPath, type OlivesLocation } from '../../../../src-main/import/olives/olives-path.js';

function located(p: string | string[]): OlivesLocation {
  const result = locateOlivesPath(p);
  if (!result.ok) throw new Error(`not located: ${result.reason}`);
  return result.location;
}

describe('locateOlivesPath', () => {
  it('reads Prime paths as the label files write them', () => {
    expect(located('/Prime_FULL/02-010/W0/OD/10.tif')).toEqual({
      trial: 'Prime_FULL',
      patient: '02-010',
      eye: 'OD',
      visit: 'W0',
      sliceIndex: 10,
      key: 'prime_full/02-010/w0/od/10',
    });
  });

  it.each([
    ['/TREX DME/GILA/0201GOD/V1/OD/TREXJ_000012.tif', '0201', 'OD', 'V1', 12],
    ['/TREX DME/GILA/0201GOD/V22/OD/TREX_DME_000048.tif', '0201', 'OD', 'V22', 48],
    ['/TREX DME/TREX/0230TOS/V1/OS/TREXA_000004_000003.tif', '0230', 'OS', 'V1', 3],
    ['/TREX DME/Monthly/0204MOD/V10/OD/TREXJ_DME_000007.jpg', '0204', 'OD', 'V10', 7],
  ])('reads the TREX name %s', (p, patient, eye, visit, sliceIndex) => {
    expect(located(p)).toMatchObject({ trial: 'TREX DME', patient, eye, visit, sliceIndex });
  });

  it('gives one key whatever the extension, separators, leading slash, doubled folder, case or folders above', () => {
    const key = located('/Prime_FULL/02-010/W0/OD/3.tif').key;
    for (const variant of [
      'Prime_FULL/02-010/W0/OD/3.png',
      'Prime_FULL\\02-010\\W0\\OD\\3.jpg',
      '/Prime_FULL/Prime_FULL/02-010/W0/OD/3.tif',
      './prime_full/02-010/w0/od/3.TIF',
      '/data/OLIVES/Prime_FULL/02-010/W0/OD/3.tif',
      ['home', 'me', 'Prime_FULL', '02-010', 'W0', 'OD', '3.tif'],
    ]) {
      expect(located(variant).key, String(variant)).toBe(key);
    }
    const trex = located('/TREX DME/GILA/0201GOD/V1/OD/TREXJ_000000.tif').key;
    expect(located('TREX_DME/GILA/0201GOD/V1/OD/TREXJ_000000.png').key).toBe(trex);
    expect(located('/TREX DME/TREX DME/GILA/0201GOD/V1/OD/TREXJ_000000.tif').key).toBe(trex);
  });

  it.each([
    ['/Prime_FULL/02-010/W0/OD/fundus_OD_W0.tif', 'fundus'],
    ['/Prime_FULL/02-010/W0/OD/fundus_W0.png', 'fundus'],
    ['/TREX DME/GILA/0201GOD/V1/OD/fundus_OD_V1.tif', 'fundus'],
    ['/Prime_FULL/01-001/W0/OS/volume_58_0.npy', 'npy'],
    ['/Prime_FULL/01-001/sequence_3d_58.npy', 'npy'],
    ['/Prime_FULL/01-001/W0/OS/notes.txt', 'not_image'],
    ['/Other/01-001/W0/OS/0.tif', 'outside'],
    ['/Prime_FULL/01-001/W0/0.tif', 'layout'],
    ['/Prime_FULL/01-001/W0/OU/0.tif', 'layout'],
    ['/Prime_FULL/01-001/V1/OS/0.tif', 'layout'],
    ['/TREX DME/GILA/0201GOD/W1/OD/TREXJ_000000.tif', 'layout'],
    ['/Prime_FULL/01-001/W0/OS/scan.tif', 'layout'],
  ])('says why %s is not a B-scan (%s)', (p, kind) => {
    const result = locateOlivesPath(p);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.kind).toBe(kind);
      expect(result.reason.length).toBeGreaterThan(10);
    }
  });
});

describe('biomarkerColumns', () => {
  const path = 'Path (Trial/Arm/Folder/Visit/Eye/Image Name)';
  it('takes the columns between the scan column and Eye_ID, whatever they are', () => {
    const split = [path, 'Scan (n/49)', 'DRIL', 'Drusen (sub-RPE)', 'GA/MA areas', 'PED (fibrovascular)', 'Eye_ID', 'BCVA', 'CST', 'Patient_ID'];
    expect(biomarkerColumns(split, path)).toEqual(['DRIL', 'Drusen (sub-RPE)', 'GA/MA areas', 'PED (fibrovascular)']);
  });

  it('without a scan column starts after the path, and stops at any trailing clinical/ID column', () => {
    expect(biomarkerColumns([path, 'IR HRF', 'DRT/ME', ' bcva ', 'CST'], path)).toEqual(['IR HRF', 'DRT/ME']);
  });
});
