import { describe, expect, it } from 'vitest';

import { describeVendorPrivate } from '../../../../src-main/import/dicom/vendor-private.js';

describe('describeVendorPrivate', () => {
  it('names Zeiss from its CZM private creator even when Manufacturer is missing', () => {
    const message = describeVendorPrivate({ creators: ['CZM_HIDDEN'], largestBytes: 0 });
    expect(message).toBe(
      'Vendor-private OCT data (Carl Zeiss Meditec private tags: private creator "CZM_HIDDEN"; no standard Pixel Data), ' +
        'not supported: export standard DICOM (Ophthalmic Tomography) from the device',
    );
  });

  it('names another vendor and its largest private payload', () => {
    const message = describeVendorPrivate({
      manufacturer: 'Acme Imaging',
      creators: [],
      largestTag: '(0029,1010)',
      largestBytes: 123456,
    });
    expect(message).toContain('(Acme Imaging private tags: 123456 bytes in (0029,1010);');
  });
});
