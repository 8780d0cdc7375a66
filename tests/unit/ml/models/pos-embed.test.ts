import { describe, expect, it } from 'vitest';
import { bicubicAxisMatrix, bicubicGridMatrix, referencePosEmbedMatrix } from '../../../../src-main/ml/models/pos-embed.js';

describe('bicubic position-embedding resampling', () => {
  it('is the identity for the same size', () => {
    const m = bicubicAxisMatrix(5, 5);
    for (let o = 0; o < 5; o++) for (let i = 0; i < 5; i++) expect(m[o * 5 + i]).toBeCloseTo(o === i ? 1 : 0, 12);
  });

  it('has rows that sum to 1 (a constant grid stays constant)', () => {
    for (const [from, to] of [[14, 7], [14, 3], [4, 6], [4, 5]] as const) {
      const m = bicubicAxisMatrix(from, to);
      for (let o = 0; o < to; o++) {
        const row = m.subarray(o * from, (o + 1) * from).reduce((a, b) => a + b, 0);
        expect(row).toBeCloseTo(1, 12);
      }
    }
  });

  it('matches PyTorch bicubic (A = -0.75) on a 2 → 4 upsample', () => {
    // torch.nn.functional.interpolate(torch.tensor([[[[0., 1.]]]]), size=(1, 4), mode='bicubic', align_corners=False)
    // → [-0.10546875, 0.2265625, 0.7734375, 1.10546875] (PyTorch 1.13)
    const up = bicubicAxisMatrix(2, 4);
    const got = [0, 1, 2, 3].map((o) => up[o * 2 + 1]!);
    [-0.10546875, 0.2265625, 0.7734375, 1.10546875].forEach((want, i) => expect(got[i]).toBeCloseTo(want, 7));
    // size=(1, 3) from [0, 1, 0, 0, 2] → [0.37037039, 0.0, 1.37037003]
    const down = bicubicAxisMatrix(5, 3);
    const input = [0, 1, 0, 0, 2];
    const out = [0, 1, 2].map((o) => input.reduce((s, v, i) => s + v * down[o * 5 + i]!, 0));
    [0.37037039, 0, 1.37037003].forEach((want, i) => expect(out[i]).toBeCloseTo(want, 6));
  });

  it('builds the 2-D matrix as the product of the two axes', () => {
    const { matrix, outRows, inRows } = bicubicGridMatrix(4, 4, 3, 2);
    expect([outRows, inRows]).toEqual([6, 16]);
    const my = bicubicAxisMatrix(4, 3);
    const mx = bicubicAxisMatrix(4, 2);
    expect(matrix[(2 * 2 + 1) * 16 + 3 * 4 + 2]).toBeCloseTo(my[2 * 4 + 3]! * mx[1 * 4 + 2]!, 6);
  });

  it("uses the reference's +0.1 scale factor", () => {
    // side 14 → 7: scale = 14 / 7.1, not 2, so sampling points differ from a plain resize.
    const ref = referencePosEmbedMatrix(14, 7, 7);
    const plain = bicubicGridMatrix(14, 14, 7, 7);
    expect(ref.outRows).toBe(49);
    const diff = ref.matrix.reduce((m, v, i) => Math.max(m, Math.abs(v - plain.matrix[i]!)), 0);
    expect(diff).toBeGreaterThan(1e-3);
  });
});
