/**
 * Detects vendor-private OCT payloads. Zeiss Cirrus exports (and others) carry the volume in
 * private tags (odd groups such as 0407/0409, private creator "CZM…") with scrambled JPEG 2000
 * and no standard Pixel Data. Importing those bytes would give garbage, so the importer says
 * exactly what it found and how to get a standard export instead (DOMAIN.md "DICOM for OCT").
 */
import type { DataSet } from 'dicom-parser';

/** A private element at least this large is taken for an image payload, not a parameter. */
export const PRIVATE_PAYLOAD_MIN_BYTES = 1024;

export interface VendorPrivateFinding {
  manufacturer?: string;
  /** Private creator strings, e.g. "CZM_OCT_HIDDEN". */
  creators: string[];
  /** Largest private element, as "(GGGG,EEEE)", and its size in bytes. */
  largestTag?: string;
  largestBytes: number;
}

function formatTag(tag: string): string {
  return `(${tag.slice(1, 5).toUpperCase()},${tag.slice(5, 9).toUpperCase()})`;
}

function isZeiss(finding: VendorPrivateFinding): boolean {
  return /zeiss/i.test(finding.manufacturer ?? '') || finding.creators.some((c) => /^CZM/i.test(c));
}

/**
 * Looks at the top-level private elements of a dataset that has no Pixel Data. Returns a
 * finding when they look like a hidden image (a large private payload, or Zeiss's creator).
 */
export function findVendorPrivatePayload(dataSet: DataSet): VendorPrivateFinding | undefined {
  const creators: string[] = [];
  let largestTag: string | undefined;
  let largestBytes = 0;
  for (const [tag, element] of Object.entries(dataSet.elements)) {
    const group = Number.parseInt(tag.slice(1, 5), 16);
    const elementNumber = Number.parseInt(tag.slice(5, 9), 16);
    if (group % 2 === 0 || group <= 0x0008) continue;
    if (elementNumber >= 0x0010 && elementNumber <= 0x00ff) {
      const creator = dataSet.string(tag)?.trim();
      if (creator) creators.push(creator);
    } else if (elementNumber >= 0x1000 && element.length > largestBytes) {
      largestBytes = element.length;
      largestTag = formatTag(tag);
    }
  }
  const manufacturer = dataSet.string('x00080070')?.trim() || undefined;
  const finding: VendorPrivateFinding = {
    ...(manufacturer ? { manufacturer } : {}),
    creators,
    ...(largestTag ? { largestTag } : {}),
    largestBytes,
  };
  return largestBytes >= PRIVATE_PAYLOAD_MIN_BYTES || (creators.length > 0 && isZeiss(finding)) ? finding : undefined;
}

/** The message shown next to the file. */
export function describeVendorPrivate(finding: VendorPrivateFinding): string {
  const vendor = isZeiss(finding) ? 'Carl Zeiss Meditec' : (finding.manufacturer ?? 'unknown manufacturer');
  const details = [
    finding.creators.length > 0 ? `private creator ${finding.creators.map((c) => `"${c}"`).join(', ')}` : undefined,
    finding.largestTag ? `${finding.largestBytes} bytes in ${finding.largestTag}` : undefined,
  ].filter((part) => part !== undefined);
  return (
    `Vendor-private OCT data (${vendor} private tags${details.length > 0 ? `: ${details.join(', ')}` : ''}; ` +
    'no standard Pixel Data), not supported: export standard DICOM (Ophthalmic Tomography) from the device'
  );
}
