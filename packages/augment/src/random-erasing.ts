/** Random erasing (torchvision `RandomErasing`): one rectangle, the same on every frame, filled with noise. */
import { createClip, type Clip, type Rng } from '@a2d/core';
import type { ClipStep, FrameSize } from './clip-transform';
import { drawAreaAspectBox } from './area-aspect-box';
import { assertBoxInside, type CropBox } from './resample-region';
import { AugmentInputError } from './augment-input-error';

/** Options of random erasing. */
export interface RandomErasingOptions {
  /** Probability that a clip gets a rectangle. */
  prob: number;
  /** Range of the rectangle's area as a fraction of the frame. */
  area: readonly [number, number];
  /** Range of the rectangle's height / width. */
  ratio: readonly [number, number];
}

/** A drawn rectangle (whole pixels) and its noise, `height * width * 3` bytes reused on every frame. */
export interface ErasingParams {
  box: CropBox;
  noise: Uint8Array;
}

/**
 * Draws a rectangle as torchvision does: up to 10 tries of (area, log-uniform aspect) strictly smaller
 * than the frame; null when none fits (the clip is then left alone).
 */
export function drawErasingBox(
  rng: Rng,
  frame: FrameSize,
  area: readonly [number, number],
  ratio: readonly [number, number],
): CropBox | null {
  return drawAreaAspectBox(rng, frame, area, ratio, { aspect: 'height-over-width', fit: 'strictly-inside' });
}

function drawNoise(rng: Rng, length: number): Uint8Array {
  const noise = new Uint8Array(length);
  // Four bytes per draw: the generator's 32 bits are uniform.
  for (let i = 0; i < length; i += 4) {
    let bits = Math.floor(rng.next() * 4294967296);
    for (let j = i; j < Math.min(i + 4, length); j++) {
      noise[j] = bits & 0xff;
      bits >>>= 8;
    }
  }
  return noise;
}

/**
 * Overwrites `params.box` of every frame with `params.noise`.
 * Requires: clip `[T, H, W, 3]`, box inside the frame. Produces: a new clip, same shape.
 */
export function eraseClipRegion(clip: Clip, params: ErasingParams): Clip {
  const { numFrames, height, width, data } = clip;
  const out = createClip(numFrames, height, width);
  out.data.set(data);
  assertBoxInside(params.box, height, width);
  const { top, left, height: h, width: w } = params.box;
  if (![top, left, h, w].every(Number.isInteger) || params.noise.length !== h * w * 3) {
    throw new AugmentInputError('erasing', `expected a whole-pixel box and ${h * w * 3} noise bytes, got ${params.noise.length}`);
  }
  const rowBytes = width * 3;
  const patchRowBytes = w * 3;
  for (let t = 0; t < numFrames; t++) {
    for (let y = 0; y < h; y++) {
      const start = (t * height + top + y) * rowBytes + left * 3;
      out.data.set(params.noise.subarray(y * patchRowBytes, (y + 1) * patchRowBytes), start);
    }
  }
  return out;
}

/**
 * Random erasing with probability `prob`.
 * Requires: clip `[T, H, W, 3]`. Produces: same shape; params: box and noise (null: untouched).
 */
export function randomErasing(options: RandomErasingOptions): ClipStep<ErasingParams | null> {
  return {
    name: 'random-erasing',
    plan: (rng, frame) => {
      if (!rng.bool(options.prob)) return null;
      const box = drawErasingBox(rng, frame, options.area, options.ratio);
      return box ? { box, noise: drawNoise(rng, box.height * box.width * 3) } : null;
    },
    apply: (clip, params) => (params ? eraseClipRegion(clip, params) : clip),
  };
}
