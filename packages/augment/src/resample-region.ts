/**
 * Bilinear resampling of one rectangle of every frame to a new size: the kernel under every crop.
 * Sampling uses pixel centres (`align_corners = false`, as torchvision and OpenCV), and neighbours are
 * clamped to the frame, not the box, so a crop equals "resize the frame, then cut the rectangle out".
 */
import { createClip, type Clip } from '@a2d/core';
import { AugmentInputError } from './augment-input-error';

/** A rectangle in source pixel units; fractional values are allowed (test-time resize + crop maps to one). */
export interface CropBox {
  top: number;
  left: number;
  height: number;
  width: number;
}

/** Per output column (or row): the two source neighbours and the weight of the second. */
interface SamplingTable {
  low: Int32Array;
  high: Int32Array;
  weight: Float64Array;
}

function samplingTable(start: number, length: number, outSize: number, inSize: number): SamplingTable {
  const low = new Int32Array(outSize);
  const high = new Int32Array(outSize);
  const weight = new Float64Array(outSize);
  const step = length / outSize;
  for (let i = 0; i < outSize; i++) {
    let source = start + (i + 0.5) * step - 0.5;
    if (source < 0) source = 0;
    if (source > inSize - 1) source = inSize - 1;
    const lo = Math.floor(source);
    low[i] = lo;
    high[i] = Math.min(lo + 1, inSize - 1);
    weight[i] = source - lo;
  }
  return { low, high, weight };
}

/** Whether every sample falls on a source pixel, consecutive ones on consecutive pixels (a box of the output size at whole-pixel offsets). */
function isPixelCopy(table: SamplingTable): boolean {
  const first = table.low[0];
  return table.weight.every((w) => w === 0) && table.low.every((v, i) => v === first + i);
}

/**
 * The output rows as slices of the source: what the bilinear loop computes when every weight is 0, without the
 * arithmetic (the default test view, a 112 x 112 centre of 128 x 160 frames, is one; 17% of `evaluator:test`'s time
 * on native went to resampling it).
 */
function copyRegion(clip: Clip, sourceRows: Int32Array, left: number, outWidth: number): Clip {
  const { numFrames, height, width, data } = clip;
  const out = createClip(numFrames, sourceRows.length, outWidth);
  const rowBytes = width * 3;
  const outRowBytes = outWidth * 3;
  let o = 0;
  for (let t = 0; t < numFrames; t++) {
    const frameStart = t * height * rowBytes;
    for (const row of sourceRows) {
      const start = frameStart + row * rowBytes + left * 3;
      out.data.set(data.subarray(start, start + outRowBytes), o);
      o += outRowBytes;
    }
  }
  return out;
}

const BOX_SLACK = 1e-6;

/** Throws unless the box has positive size and lies inside a `height x width` frame. */
export function assertBoxInside(box: CropBox, height: number, width: number): void {
  const inside =
    box.height > 0 &&
    box.width > 0 &&
    box.top >= -BOX_SLACK &&
    box.left >= -BOX_SLACK &&
    box.top + box.height <= height + BOX_SLACK &&
    box.left + box.width <= width + BOX_SLACK;
  if (!inside) {
    throw new AugmentInputError(
      'box',
      `expected a non-empty rectangle inside the ${height}x${width} frame, got top=${box.top} left=${box.left} ` +
        `height=${box.height} width=${box.width}`,
    );
  }
}

/**
 * Resamples `box` of every frame to `outHeight x outWidth`.
 * Requires: clip `[T, H, W, 3]` uint8, `box` inside the frame. Produces: `[T, outHeight, outWidth, 3]`.
 */
export function resampleRegion(clip: Clip, box: CropBox, outHeight: number, outWidth: number): Clip {
  const { numFrames, height, width, data } = clip;
  assertBoxInside(box, height, width);
  if (!Number.isInteger(outHeight) || !Number.isInteger(outWidth) || outHeight <= 0 || outWidth <= 0) {
    throw new AugmentInputError('output size', `expected positive integers, got ${outHeight}x${outWidth}`);
  }
  const columns = samplingTable(box.left, box.width, outWidth, width);
  const rows = samplingTable(box.top, box.height, outHeight, height);
  if (isPixelCopy(rows) && isPixelCopy(columns)) return copyRegion(clip, rows.low, columns.low[0], outWidth);
  // Byte offsets of the neighbours inside a row, so the inner loop only adds.
  const leftOffset = new Int32Array(outWidth);
  const rightOffset = new Int32Array(outWidth);
  for (let x = 0; x < outWidth; x++) {
    leftOffset[x] = columns.low[x] * 3;
    rightOffset[x] = columns.high[x] * 3;
  }
  const columnWeight = columns.weight;
  const out = createClip(numFrames, outHeight, outWidth);
  const target = out.data;
  const rowBytes = width * 3;
  const frameBytes = height * rowBytes;
  let o = 0;
  for (let t = 0; t < numFrames; t++) {
    const frameStart = t * frameBytes;
    for (let y = 0; y < outHeight; y++) {
      const upper = frameStart + rows.low[y] * rowBytes;
      const lower = frameStart + rows.high[y] * rowBytes;
      const wy = rows.weight[y];
      for (let x = 0; x < outWidth; x++) {
        const wx = columnWeight[x];
        let a = upper + leftOffset[x];
        let b = upper + rightOffset[x];
        let c = lower + leftOffset[x];
        let d = lower + rightOffset[x];
        for (let channel = 0; channel < 3; channel++) {
          const top = data[a] + (data[b] - data[a]) * wx;
          const bottom = data[c] + (data[d] - data[c]) * wx;
          target[o++] = (top + (bottom - top) * wy + 0.5) | 0;
          a++;
          b++;
          c++;
          d++;
        }
      }
    }
  }
  return out;
}
