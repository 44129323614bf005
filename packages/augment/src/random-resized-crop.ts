/** Random resized crop (Inception / torchvision `RandomResizedCrop`), one box for the whole clip. */
import type { Rng } from '@a2d/core';
import type { ClipStep, FrameSize } from './clip-transform';
import { drawAreaAspectBox } from './area-aspect-box';
import { resampleRegion, type CropBox } from './resample-region';

/** Options of the random resized crop. */
export interface RandomResizedCropOptions {
  /** Side of the square output. */
  size: number;
  /** Range of the fraction of the frame area kept. */
  scale: readonly [number, number];
  /** Range of the crop's width / height. */
  ratio: readonly [number, number];
}

/**
 * Draws a crop box exactly as torchvision does: up to 10 tries of (area, log-uniform aspect) that fit,
 * else the largest centred box whose aspect lies in `ratio`. Boxes are whole pixels.
 */
export function drawResizedCropBox(
  rng: Rng,
  frame: FrameSize,
  scale: readonly [number, number],
  ratio: readonly [number, number],
): CropBox {
  const drawn = drawAreaAspectBox(rng, frame, scale, ratio, { aspect: 'width-over-height', fit: 'inside' });
  if (drawn) return drawn;
  const { height, width } = frame;
  const frameRatio = width / height;
  let w = width;
  let h = height;
  if (frameRatio < ratio[0]) h = Math.round(w / ratio[0]);
  else if (frameRatio > ratio[1]) w = Math.round(h * ratio[1]);
  return { top: Math.floor((height - h) / 2), left: Math.floor((width - w) / 2), height: h, width: w };
}

/**
 * Crops a random box (same for every frame) and resizes it bilinearly to `size x size`.
 * Requires: clip `[T, H, W, 3]`. Produces: `[T, size, size, 3]`; params: the source box.
 */
export function randomResizedCrop(options: RandomResizedCropOptions): ClipStep<CropBox> {
  return {
    name: 'random-resized-crop',
    plan: (rng, frame) => drawResizedCropBox(rng, frame, options.scale, options.ratio),
    apply: (clip, box) => resampleRegion(clip, box, options.size, options.size),
  };
}
