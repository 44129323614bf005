/** The torchvision box draw shared by random resized crop and random erasing: area fraction and log-uniform aspect. */
import type { Rng } from '@a2d/core';
import type { FrameSize } from './clip-transform';
import type { CropBox } from './resample-region';

/** How a box draw reads its aspect range and when a drawn box counts as fitting the frame. */
export interface AreaAspectRule {
  /** Which side ratio the aspect range bounds: crops use width / height, erasing height / width. */
  aspect: 'width-over-height' | 'height-over-width';
  /** `inside`: the box may fill the frame; `strictly-inside`: both sides must be smaller than the frame's. */
  fit: 'inside' | 'strictly-inside';
}

const ATTEMPTS = 10;

/**
 * Up to 10 torchvision tries of (area = frame area x uniform(area), aspect = exp(uniform(log ratio))), rounded
 * to whole pixels and placed uniformly; the first box that fits under `rule`, or null when none does.
 */
export function drawAreaAspectBox(
  rng: Rng,
  frame: FrameSize,
  area: readonly [number, number],
  ratio: readonly [number, number],
  rule: AreaAspectRule,
): CropBox | null {
  const { height, width } = frame;
  const frameArea = height * width;
  const logLow = Math.log(ratio[0]);
  const logHigh = Math.log(ratio[1]);
  const strict = rule.fit === 'strictly-inside';
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const boxArea = frameArea * rng.uniform(area[0], area[1]);
    const aspect = Math.exp(rng.uniform(logLow, logHigh));
    const along = Math.round(Math.sqrt(boxArea * aspect));
    const across = Math.round(Math.sqrt(boxArea / aspect));
    const w = rule.aspect === 'width-over-height' ? along : across;
    const h = rule.aspect === 'width-over-height' ? across : along;
    const fits = strict ? h < height && w < width : h <= height && w <= width;
    if (h > 0 && w > 0 && fits) {
      return { top: rng.int(0, height - h), left: rng.int(0, width - w), height: h, width: w };
    }
  }
  return null;
}
