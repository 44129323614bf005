/** Index arithmetic shared by the convolution gradients (one spatial axis at a time). */
import type { backend_util } from '@tensorflow/tfjs';

/**
 * The output positions `o` in [0, outSize) whose input `o * stride + tap - padBefore` lies in [0, inSize):
 * they form one contiguous run [first, end).
 */
export function validOutputRun(inSize: number, outSize: number, stride: number, tap: number, padBefore: number): { first: number; end: number } {
  const first = Math.max(0, Math.ceil((padBefore - tap) / stride));
  const end = Math.min(outSize, Math.floor((inSize - 1 + padBefore - tap) / stride) + 1);
  return { first, end: Math.max(first, end) };
}

/**
 * One phase of a strided transposed convolution along one axis: the inputs `i = stride * q + phase`
 * receive taps `firstTap + stride * j` (j < taps) from outputs `q + shift - j`. Written as a stride-1
 * correlation of dy with the reversed taps: `dx[q] = sum_m dyPadded[q + crop + m] * w[firstTap + stride * (taps - 1 - m)]`.
 */
export interface TransposedConvPhase {
  /** Input positions of this phase: `phase, phase + stride, ...` below the input size. */
  count: number;
  /** First tap index of the phase and the number of taps (0: the phase receives nothing). */
  firstTap: number;
  taps: number;
  /** Zero padding before and after dy for the stride-1 correlation (never negative). */
  padBefore: number;
  padAfter: number;
  /** Leading outputs of the correlation to skip (when dy would need negative padding). */
  crop: number;
  /** Length of the correlation's output (>= crop + count when taps > 0). */
  outSize: number;
}

/** The phase `phase` (0 <= phase < stride) of the transposed convolution along one axis. */
export function transposedConvPhase(
  inSize: number,
  outSize: number,
  filterSize: number,
  stride: number,
  padBefore: number,
  phase: number,
): TransposedConvPhase {
  const count = phase < inSize ? Math.ceil((inSize - phase) / stride) : 0;
  const firstTap = (((phase + padBefore) % stride) + stride) % stride;
  const taps = firstTap < filterSize ? Math.ceil((filterSize - firstTap) / stride) : 0;
  if (taps === 0 || count === 0) return { count, firstTap, taps: 0, padBefore: 0, padAfter: 0, crop: 0, outSize: 0 };
  const shift = (phase + padBefore - firstTap) / stride;
  const before = taps - 1 - shift;
  const crop = Math.max(0, -before);
  const pb = Math.max(0, before);
  const pa = Math.max(0, count + crop + taps - 1 - outSize - pb);
  return { count, firstTap, taps, padBefore: pb, padAfter: pa, crop, outSize: outSize + pb + pa - taps + 1 };
}

/** Sizes, strides and leading padding of one NHWC 2D convolution, as its gradient kernels need them. */
export interface Conv2DGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padLeft: number;
}

/** The gradient kernels' geometry of a tfjs NHWC convolution description. */
export function conv2dGeometry(info: backend_util.Conv2DInfo): Conv2DGeometry {
  return {
    batch: info.batchSize, inHeight: info.inHeight, inWidth: info.inWidth, inChannels: info.inChannels,
    outHeight: info.outHeight, outWidth: info.outWidth, outChannels: info.outChannels,
    filterHeight: info.filterHeight, filterWidth: info.filterWidth, strideHeight: info.strideHeight, strideWidth: info.strideWidth,
    padTop: info.padInfo.top, padLeft: info.padInfo.left,
  };
}
