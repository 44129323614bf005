/**
 * The pointing game (Zhang et al. 2016, "Top-down neural attention by excitation backprop"): a saliency map
 * scores a hit on a frame when its maximum lies on the object. Here the object is the ground-truth actor's
 * box(es) and the map is one frame of a Grad-CAM map. The baseline is a random point: its hit probability is
 * the fraction of the frame the boxes cover, so a map is informative only where it beats that fraction.
 * Everything works on the map's pixel grid: a pixel is on the object when its centre lies inside a box.
 */
import { z } from 'zod';
import { MetricsInputError } from './metrics-input-error';

/** A box in continuous map coordinates: x in [left, right), y in [top, bottom); may extend past the map. */
export interface MapBox {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** The pixels of a `width x height` map whose centres lie in any of `boxes`: 1 on the object, row-major. */
export function boxPixelMask(boxes: readonly MapBox[], height: number, width: number): Uint8Array {
  const mask = new Uint8Array(height * width);
  for (const box of boxes) {
    const x0 = Math.max(0, Math.ceil(box.left - 0.5));
    const x1 = Math.min(width - 1, Math.ceil(box.right - 0.5) - 1);
    const y0 = Math.max(0, Math.ceil(box.top - 0.5));
    const y1 = Math.min(height - 1, Math.ceil(box.bottom - 0.5) - 1);
    for (let y = y0; y <= y1; y++) mask.fill(1, y * width + x0, y * width + x1 + 1);
  }
  return mask;
}

/** One frame's outcome. */
export interface PointingFrame {
  /** The map's maximum lies on the object (false for an all-zero map: it points nowhere). */
  hit: boolean;
  /** Fraction of the frame on the object: the random point's hit probability. */
  baseline: number;
  /** The maximum's pixel (the first in row-major order among equal maxima); null for an all-zero map. */
  peak: { x: number; y: number } | null;
}

/**
 * Scores one frame: `map` is `height * width` non-negative values (row-major), `mask` the object's pixels
 * (`boxPixelMask`). A mask with no pixel is refused: the frame has no object to point at.
 */
export function pointingFrame(map: ArrayLike<number>, mask: Uint8Array, height: number, width: number): PointingFrame {
  if (map.length !== height * width || mask.length !== height * width) {
    throw new MetricsInputError('pointing game', [{ path: 'map', message: `expected ${height} x ${width} = ${height * width} values, got map ${map.length}, mask ${mask.length}` }]);
  }
  let covered = 0;
  for (let i = 0; i < mask.length; i++) covered += mask[i];
  if (covered === 0) throw new MetricsInputError('pointing game', [{ path: 'mask', message: 'the object covers no pixel of the map' }]);
  let best = 0;
  for (let i = 1; i < map.length; i++) if (map[i] > map[best]) best = i;
  const baseline = covered / mask.length;
  if (!(map[best] > 0)) return { hit: false, baseline, peak: null };
  return { hit: mask[best] === 1, baseline, peak: { x: best % width, y: Math.floor(best / width) } };
}

/** Many frames' pointing game, summarised. */
export const pointingSummarySchema = z.object({
  /** Frames scored. */
  frames: z.number().int().nonnegative(),
  hits: z.number().int().nonnegative(),
  /** hits / frames (null without frames). */
  rate: z.number().min(0).max(1).nullable(),
  /** 95% Wilson score interval of `rate`. */
  interval95: z.tuple([z.number(), z.number()]).nullable(),
  /** Mean of the frames' baselines: the expected rate of a random point. */
  baseline: z.number().min(0).max(1).nullable(),
  /** Frames whose map was all zero (counted as misses). */
  emptyMaps: z.number().int().nonnegative(),
});
export type PointingSummary = z.infer<typeof pointingSummarySchema>;

/** The 95% Wilson score interval of `hits` successes in `n` trials. */
export function wilsonInterval(hits: number, n: number): [number, number] {
  const z95 = 1.959963984540054;
  const p = hits / n;
  const denominator = 1 + (z95 * z95) / n;
  const centre = (p + (z95 * z95) / (2 * n)) / denominator;
  const half = (z95 * Math.sqrt((p * (1 - p)) / n + (z95 * z95) / (4 * n * n))) / denominator;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** Sums frames' outcomes into a `PointingSummary`. */
export function summarisePointing(frames: readonly PointingFrame[]): PointingSummary {
  const hits = frames.filter((frame) => frame.hit).length;
  const n = frames.length;
  return {
    frames: n,
    hits,
    rate: n > 0 ? hits / n : null,
    interval95: n > 0 ? wilsonInterval(hits, n) : null,
    baseline: n > 0 ? frames.reduce((sum, frame) => sum + frame.baseline, 0) / n : null,
    emptyMaps: frames.filter((frame) => frame.peak === null).length,
  };
}
