/**
 * Zoom and pan of the viewer: a screen point is `image point × zoom + offset`. Zooming keeps the
 * point under the cursor still, like every image viewer users know.
 */

export interface ViewTransform {
  zoom: number;
  x: number;
  y: number;
}

export const ZOOM_LIMITS = { min: 0.05, max: 32 } as const;

/** The whole image, centred, as large as fits. */
export function fitTransform(imageWidth: number, imageHeight: number, viewWidth: number, viewHeight: number): ViewTransform {
  if (imageWidth <= 0 || imageHeight <= 0 || viewWidth <= 0 || viewHeight <= 0) return { zoom: 1, x: 0, y: 0 };
  const zoom = Math.min(viewWidth / imageWidth, viewHeight / imageHeight);
  return { zoom, x: (viewWidth - imageWidth * zoom) / 2, y: (viewHeight - imageHeight * zoom) / 2 };
}

/** Zooms by `factor` about the screen point (px, py), within the zoom limits. */
export function zoomAt(t: ViewTransform, factor: number, px: number, py: number): ViewTransform {
  const zoom = Math.min(ZOOM_LIMITS.max, Math.max(ZOOM_LIMITS.min, t.zoom * factor));
  const applied = zoom / t.zoom;
  return { zoom, x: px - (px - t.x) * applied, y: py - (py - t.y) * applied };
}

export function panBy(t: ViewTransform, dx: number, dy: number): ViewTransform {
  return { zoom: t.zoom, x: t.x + dx, y: t.y + dy };
}

/** The image pixel under a screen point (for the cursor readout), or null outside the image. */
export function imagePointAt(t: ViewTransform, px: number, py: number, width: number, height: number): { x: number; y: number } | null {
  const x = Math.floor((px - t.x) / t.zoom);
  const y = Math.floor((py - t.y) / t.zoom);
  return x >= 0 && y >= 0 && x < width && y < height ? { x, y } : null;
}
