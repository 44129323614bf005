/** Horizontal flip: mirror every frame left-right (the same decision for the whole clip). */
import { createClip, type Clip } from '@a2d/core';
import type { ClipStep } from './clip-transform';

/**
 * Mirrors every frame left-right.
 * Requires: clip `[T, H, W, 3]`. Produces: a new clip of the same shape.
 */
export function flipClipHorizontally(clip: Clip): Clip {
  const { numFrames, height, width, data } = clip;
  const out = createClip(numFrames, height, width);
  const target = out.data;
  const rowBytes = width * 3;
  const rows = numFrames * height;
  for (let row = 0; row < rows; row++) {
    const start = row * rowBytes;
    const end = start + rowBytes - 3;
    for (let x = 0; x < rowBytes; x += 3) {
      const from = end - x;
      const to = start + x;
      target[to] = data[from];
      target[to + 1] = data[from + 1];
      target[to + 2] = data[from + 2];
    }
  }
  return out;
}

/**
 * Flips the clip with probability `prob`.
 * Requires: clip `[T, H, W, 3]`. Produces: same shape; params: whether it flipped.
 */
export function horizontalFlip(prob: number): ClipStep<boolean> {
  return {
    name: 'horizontal-flip',
    plan: (rng) => rng.bool(prob),
    apply: (clip, flip) => (flip ? flipClipHorizontally(clip) : clip),
  };
}
