/**
 * Heatmaps drawn over frames, one definition for every picture of an explanation (evaluator:explain's strips,
 * the report's gallery, the viewer): a "hot" colour map blended into the frame, an importance bar under each
 * frame, and box outlines. Plain arrays only (no canvas, no Node API), so the browser page bundles it too.
 */
import type { Clip } from '@a2d/core';
import { AugmentInputError, assertClipShape } from './augment-input-error';

/** Weight of the frame's own pixel in the blend (the colour map gets the rest). */
export const HEATMAP_PIXEL_WEIGHT = 0.55;

/** Height of the importance bar `overlayHeatmaps` adds under each frame, in px. */
export const IMPORTANCE_BAR_HEIGHT = 6;

const BAR_COLOUR = [80, 200, 255] as const;

/** The "hot" colour of `value` in [0, 1] (clamped): black, red, yellow, white; 0..255 per channel. */
export function heatColour(value: number): [number, number, number] {
  const clamp = (x: number) => Math.max(0, Math.min(1, x)) * 255;
  return [clamp(3 * value), clamp(3 * value - 1), clamp(3 * value - 2)];
}

/** A box in a frame's pixels, inclusive on both ends (columns x1..x2, rows y1..y2). */
export interface PixelBoxOutline {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  /** Outline colour (default green). */
  colour?: readonly [number, number, number];
}

/** What `overlayHeatmaps` draws besides the maps. */
export interface HeatmapOverlayOptions {
  /** T values: a bar under each frame as long as its value relative to the largest (no bars when absent). */
  frameImportance?: readonly number[];
  /** Outlines per frame (`boxes[t]`, may be empty): drawn one pixel wide after the blend. */
  boxes?: readonly (readonly PixelBoxOutline[])[];
}

/**
 * The clip's frames with `maps` ([T, H, W] row-major, values in [0, 1]) blended in as `HEATMAP_PIXEL_WEIGHT` *
 * pixel + the rest * `heatColour(value)`, outlines drawn on top, and, with `frameImportance`, an
 * `IMPORTANCE_BAR_HEIGHT` px band under each frame holding its bar.
 */
export function overlayHeatmaps(pixels: Clip, maps: Float32Array, options: HeatmapOverlayOptions = {}): Clip {
  assertClipShape(pixels, 'pixels');
  const { numFrames, height, width } = pixels;
  if (maps.length !== numFrames * height * width) {
    throw new AugmentInputError('maps', `expected ${numFrames} x ${height} x ${width} = ${numFrames * height * width} values, got ${maps.length}`);
  }
  const { frameImportance, boxes } = options;
  if (frameImportance && frameImportance.length !== numFrames) throw new AugmentInputError('frameImportance', `expected ${numFrames} values, got ${frameImportance.length}`);
  const bar = frameImportance ? IMPORTANCE_BAR_HEIGHT : 0;
  const outHeight = height + bar;
  const data = new Uint8Array(numFrames * outHeight * width * 3);
  const peak = frameImportance ? Math.max(...frameImportance) : 0;
  for (let t = 0; t < numFrames; t++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const source = ((t * height + y) * width + x) * 3;
        const target = ((t * outHeight + y) * width + x) * 3;
        const colour = heatColour(maps[(t * height + y) * width + x]);
        for (let c = 0; c < 3; c++) data[target + c] = Math.round(HEATMAP_PIXEL_WEIGHT * pixels.data[source + c] + (1 - HEATMAP_PIXEL_WEIGHT) * colour[c]);
      }
    }
    const put = (x: number, y: number, colour: readonly number[]) => {
      if (x >= 0 && x < width && y >= 0 && y < height) data.set(colour, ((t * outHeight + y) * width + x) * 3);
    };
    for (const box of boxes?.[t] ?? []) {
      const colour = box.colour ?? [0, 255, 0];
      const [x1, x2, y1, y2] = [Math.round(box.x1), Math.round(box.x2), Math.round(box.y1), Math.round(box.y2)];
      for (let x = x1; x <= x2; x++) {
        put(x, y1, colour);
        put(x, y2, colour);
      }
      for (let y = y1; y <= y2; y++) {
        put(x1, y, colour);
        put(x2, y, colour);
      }
    }
    if (frameImportance) {
      const filled = peak > 0 ? Math.round((width * frameImportance[t]) / peak) : 0;
      for (let y = height + 1; y < outHeight - 1; y++) {
        for (let x = 0; x < filled; x++) data.set(BAR_COLOUR, ((t * outHeight + y) * width + x) * 3);
      }
    }
  }
  return { data, numFrames, height: outHeight, width };
}
