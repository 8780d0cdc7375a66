import { describe, expect, it } from 'vitest';
import { zoomAt } from '../../../renderer/src/lib/imaging/view-transform.js';
import { categoryColour, colourPoints, pointFacts, type EmbeddingMap } from '../../../renderer/src/lib/inspect/colouring.js';
import { buildIndex, fitPoints, IDENTITY, nearestPoint, pointSize, pointsInBox, rasterisePoints, relativeTransform, toBase, toScreen } from '../../../renderer/src/lib/inspect/scatter.js';

describe('fitting the map to the canvas', () => {
  it('keeps the aspect ratio, centres the data and puts y up', () => {
    const { bx, by } = fitPoints([0, 10, 5], [0, 5, 2.5], 120, 120, 10);
    // Scale: min(100/10, 100/5) = 10 → x spans 10..110, y spans 100 px and is centred (35..85), flipped.
    expect([...bx]).toEqual([10, 110, 60]);
    expect([...by]).toEqual([85, 35, 60]);
  });

  it('copes with no points and with all points in one place', () => {
    expect(fitPoints([], [], 100, 100).bx.length).toBe(0);
    const { bx, by } = fitPoints([3, 3], [4, 4], 100, 100, 0);
    expect(bx.every(Number.isFinite) && by.every(Number.isFinite)).toBe(true);
  });
});

describe('the view transform', () => {
  it('maps base to screen and back', () => {
    const t = { zoom: 2, x: 10, y: -5 };
    expect(toScreen(t, 3, 4)).toEqual([16, 3]);
    expect(toBase(t, 16, 3)).toEqual([3, 4]);
  });

  it('blits a bitmap drawn under one view to where it belongs under another', () => {
    const drawn = { zoom: 2, x: 10, y: 20 };
    const now = zoomAt(drawn, 1.5, 50, 50);
    const rel = relativeTransform(drawn, now);
    // A base point drawn at drawn-screen coordinates must land at its now-screen coordinates.
    const [dx, dy] = toScreen(drawn, 7, 9);
    expect(dx * rel.zoom + rel.x).toBeCloseTo(toScreen(now, 7, 9)[0]);
    expect(dy * rel.zoom + rel.y).toBeCloseTo(toScreen(now, 7, 9)[1]);
  });
});

describe('hit-testing and box selection', () => {
  const points = { bx: Float32Array.from([10, 12, 50, 90, 90]), by: Float32Array.from([10, 10, 50, 90, 90]) };
  const index = buildIndex(points, 100, 100, 8);

  it('finds the nearest point within the radius (the one drawn on top on a tie)', () => {
    expect(nearestPoint(index, IDENTITY, 11.2, 10, 6)).toBe(1);
    expect(nearestPoint(index, IDENTITY, 10.4, 10, 6)).toBe(0);
    expect(nearestPoint(index, IDENTITY, 30, 30, 6)).toBeNull();
    expect(nearestPoint(index, IDENTITY, 90, 90, 6)).toBe(4);
    expect(nearestPoint(index, IDENTITY, 11.2, 10, 6, (i) => i !== 1)).toBe(0);
  });

  it('hit-tests in screen pixels under zoom and pan', () => {
    const t = { zoom: 4, x: -100, y: -100 };
    // Point 2 (50, 50) is at screen (100, 100); 10 screen px away is 2.5 base px.
    expect(nearestPoint(index, t, 110, 100, 12)).toBe(2);
    expect(nearestPoint(index, t, 110, 100, 6)).toBeNull();
  });

  it('finds the same point as a scan of all points, on many points', () => {
    const n = 5000;
    const many = { bx: new Float32Array(n), by: new Float32Array(n) };
    for (let i = 0; i < n; i++) [many.bx[i], many.by[i]] = [(i * 37) % 400, (i * 91) % 300];
    const idx = buildIndex(many, 400, 300, 8);
    for (const [qx, qy] of [[13, 17], [200, 150], [399, 1], [77.5, 123.25]] as const) {
      let best: number | null = null;
      let bestD = 36;
      for (let i = 0; i < n; i++) {
        const d = (many.bx[i]! - qx) ** 2 + (many.by[i]! - qy) ** 2;
        if (d <= bestD) [best, bestD] = [i, d];
      }
      expect(nearestPoint(idx, IDENTITY, qx, qy, 6)).toBe(best);
    }
  });

  it('selects the points inside a box dragged in any direction', () => {
    expect(pointsInBox(points, IDENTITY, [0, 0], [20, 20])).toEqual([0, 1]);
    expect(pointsInBox(points, IDENTITY, [100, 100], [40, 40])).toEqual([2, 3, 4]);
    expect(pointsInBox(points, { zoom: 2, x: 0, y: 0 }, [0, 0], [40, 40])).toEqual([0, 1]);
  });
});

describe('rasterising the points', () => {
  it('draws each point as a square in its category’s colour, later points on top, selected ones dark', () => {
    const points = { bx: Float32Array.from([2, 2, 7]), by: Float32Array.from([2, 2, 7]) };
    const colours = Uint8ClampedArray.from([255, 0, 0, 0, 0, 255]);
    const codes = Uint16Array.from([0, 1, 0]);
    const rgba = rasterisePoints(points, IDENTITY, 10, 10, codes, colours, Uint32Array.from([0, 1, 2]), 3);
    const at = (x: number, y: number) => [...rgba.slice((y * 10 + x) * 4, (y * 10 + x) * 4 + 4)];
    expect(at(2, 2)).toEqual([0, 0, 255, 255]); // point 1 drawn over point 0
    expect(at(1, 3)).toEqual([0, 0, 255, 255]);
    expect(at(7, 7)).toEqual([255, 0, 0, 255]);
    expect(at(5, 5)).toEqual([0, 0, 0, 0]);
    let drawn = 0;
    for (let i = 3; i < rgba.length; i += 4) drawn += rgba[i]! > 0 ? 1 : 0;
    expect(drawn).toBe(18);
    const sel = rasterisePoints(points, IDENTITY, 10, 10, codes, colours, Uint32Array.from([0, 1, 2]), 3, Uint8Array.from([0, 0, 1]));
    expect([...sel.slice((7 * 10 + 7) * 4, (7 * 10 + 7) * 4 + 3)]).toEqual([17, 17, 17]);
  });

  it('skips points outside the canvas', () => {
    const points = { bx: Float32Array.from([-50, 500]), by: Float32Array.from([5, 5]) };
    const rgba = rasterisePoints(points, IDENTITY, 10, 10, Uint16Array.from([0, 0]), Uint8ClampedArray.from([1, 2, 3]), Uint32Array.from([0, 1]));
    expect(rgba.every((v) => v === 0)).toBe(true);
  });
});

describe('colouring the points', () => {
  const map: EmbeddingMap = {
    runId: 1,
    method: 'pca',
    imageIds: [11, 12, 13, 14],
    x: [0, 1, 2, 3],
    y: [0, 1, 2, 3],
    patient: ['P10', 'P2', 'P2', null],
    eye: ['OD', 'OS', 'OD', 'OD'],
    visit: ['V1', 'V1', 'V2', 'V2'],
    subset: ['train', 'test', 'test', null],
    labels: [{ name: 'IRF', values: [1, 0, null, 0.5] }],
    predictions: { runId: 7, arm: 'dino_finetune', labels: [{ name: 'IRF', threshold: 0.3, values: [0.9, 0.1, null, 0.3] }] },
    meta: {},
  };

  it('colours by a fact with one legend entry per value, naturally sorted, unknowns last and drawn first', () => {
    const c = colourPoints(map, { kind: 'patient' });
    expect(c.legend.map((e) => [e.name, e.count])).toEqual([['P2', 2], ['P10', 1], ['unknown', 1]]);
    expect([...c.codes]).toEqual([1, 0, 0, 2]);
    expect(c.order[0]).toBe(3);
    expect(c.legend[0]!.colour).toBe(`rgb(${categoryColour(0).join(', ')})`);
  });

  it('colours by a label as present, absent, uncertain and unknown', () => {
    const c = colourPoints(map, { kind: 'label', label: 'IRF' });
    expect(c.legend.map((e) => e.name)).toEqual(['unknown', 'absent', 'uncertain', 'present']);
    expect([...c.codes]).toEqual([3, 1, 0, 2]);
    expect([...c.order]).toEqual([2, 0, 1, 3]);
    expect(colourPoints(map, { kind: 'label', label: 'gone' }).legend).toEqual([expect.objectContaining({ name: 'unknown', count: 4 })]);
  });

  it('colours by the classifier’s prediction at its threshold, unscored images unknown', () => {
    const c = colourPoints(map, { kind: 'prediction', label: 'IRF' });
    expect([...c.codes]).toEqual([2, 1, 0, 2]); // 0.3 ≥ threshold 0.3: predicted present
    expect(c.legend.map((e) => [e.name, e.count])).toEqual([['not scored (not a test image)', 1], ['predicted absent', 1], ['predicted present', 2]]);
    expect(colourPoints({ ...map, predictions: null }, { kind: 'prediction', label: 'IRF' }).legend).toEqual([expect.objectContaining({ count: 4 })]);
  });

  it('gives many categories distinct colours and lists a point’s facts', () => {
    const colours = new Set(Array.from({ length: 200 }, (_, i) => categoryColour(i).join()));
    expect(colours.size).toBeGreaterThan(190);
    expect(pointFacts(map, 0)).toEqual(['patient P10', 'OD', 'visit V1', 'train split', 'IRF present']);
    expect(pointFacts(map, 3)).toEqual(['OD', 'visit V2', 'IRF uncertain']);
  });
});

describe('point size', () => {
  it('is large for a few points and small for tens of thousands, in device pixels', () => {
    expect(pointSize(30)).toBe(6);
    expect(pointSize(5000)).toBe(4);
    expect(pointSize(78_000)).toBe(2);
    expect(pointSize(78_000, 2)).toBe(4);
  });
});
