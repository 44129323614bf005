/** Multi-scale crop (TSN `GroupMultiScaleCrop`): crop sides from a few scales of the short side, at fixed positions. */
import type { Rng } from '@a2d/core';
import type { ClipStep, FrameSize } from './clip-transform';
import { resampleRegion, type CropBox } from './resample-region';

/** Options of the multi-scale crop. */
export interface MultiScaleCropOptions {
  /** Side of the square output. */
  size: number;
  /** Crop sides as fractions of the frame's short side. */
  scales: readonly number[];
  /** Largest index gap between the scales drawn for height and width (0 = square crops only). */
  maxDistort: number;
}

/**
 * Draws a crop box as TSN does: a (width, height) pair of scaled short sides at most `maxDistort` scale
 * indices apart, placed at one of five positions (four corners, centre).
 */
export function drawMultiScaleBox(
  rng: Rng,
  frame: FrameSize,
  scales: readonly number[],
  maxDistort: number,
): CropBox {
  const { height, width } = frame;
  const base = Math.min(height, width);
  const sides = scales.map((scale) => Math.max(1, Math.floor(base * scale)));
  const pairs: [number, number][] = [];
  sides.forEach((h, i) => {
    sides.forEach((w, j) => {
      if (Math.abs(i - j) <= maxDistort) pairs.push([h, w]);
    });
  });
  const [h, w] = rng.pick(pairs);
  const rowStep = Math.floor((height - h) / 4);
  const columnStep = Math.floor((width - w) / 4);
  const positions: [number, number][] = [
    [0, 0],
    [0, 4 * columnStep],
    [4 * rowStep, 0],
    [4 * rowStep, 4 * columnStep],
    [2 * rowStep, 2 * columnStep],
  ];
  const [top, left] = rng.pick(positions);
  return { top, left, height: h, width: w };
}

/**
 * Crops a multi-scale corner/centre box (same for every frame) and resizes it to `size x size`.
 * Requires: clip `[T, H, W, 3]`. Produces: `[T, size, size, 3]`; params: the source box.
 */
export function multiScaleCrop(options: MultiScaleCropOptions): ClipStep<CropBox> {
  return {
    name: 'multi-scale-crop',
    plan: (rng, frame) => drawMultiScaleBox(rng, frame, options.scales, options.maxDistort),
    apply: (clip, box) => resampleRegion(clip, box, options.size, options.size),
  };
}
