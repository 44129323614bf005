/** Test-time view: resize the short side, then cut the centre square (MMAction2 `Resize` + `CenterCrop`). */
import type { ClipStep, FrameSize } from './clip-transform';
import { AugmentInputError } from './augment-input-error';
import { resampleRegion, type CropBox } from './resample-region';

/** Options of the centre crop. */
export interface CenterCropOptions {
  /** Side of the square output. */
  size: number;
  /** Short side after the resize (at least `size`). */
  resizeShortSide: number;
}

/**
 * The source-pixel box that "resize the short side to `resizeShortSide`, then take the centred
 * `size x size` square" reads, so both happen in one bilinear pass.
 */
export function centerCropBox(frame: FrameSize, size: number, resizeShortSide: number): CropBox {
  if (resizeShortSide < size) {
    throw new AugmentInputError('center crop', `short side ${resizeShortSide} is smaller than the crop size ${size}`);
  }
  const { height, width } = frame;
  const factor = resizeShortSide / Math.min(height, width);
  const resizedHeight = Math.max(size, Math.round(height * factor));
  const resizedWidth = Math.max(size, Math.round(width * factor));
  const top = Math.round((resizedHeight - size) / 2);
  const left = Math.round((resizedWidth - size) / 2);
  const rowScale = height / resizedHeight;
  const columnScale = width / resizedWidth;
  return { top: top * rowScale, left: left * columnScale, height: size * rowScale, width: size * columnScale };
}

/**
 * The `count` test-time crop boxes of a frame (1: the centre square; 3: the squares at the start, centre and end
 * of the long side after the resize, MMAction2's `ThreeCrop`), in source pixels like `centerCropBox`.
 */
export function testCropBoxes(frame: FrameSize, size: number, resizeShortSide: number, count: 1 | 3): CropBox[] {
  const centre = centerCropBox(frame, size, resizeShortSide);
  if (count === 1) return [centre];
  const { height, width } = frame;
  if (width >= height) {
    return [{ ...centre, left: 0 }, centre, { ...centre, left: width - centre.width }];
  }
  return [{ ...centre, top: 0 }, centre, { ...centre, top: height - centre.height }];
}

/**
 * Deterministic centre crop (draws nothing).
 * Requires: clip `[T, H, W, 3]`. Produces: `[T, size, size, 3]`; params: the source box.
 */
export function centerCrop(options: CenterCropOptions): ClipStep<CropBox> {
  return {
    name: 'center-crop',
    plan: (_rng, frame) => centerCropBox(frame, options.size, options.resizeShortSide),
    apply: (clip, box) => resampleRegion(clip, box, options.size, options.size),
  };
}
