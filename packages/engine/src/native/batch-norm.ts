/**
 * Batch normalization on the `native` backend: the statistics (`A2dChannelMoments`), the normalization
 * (`FusedBatchNorm`, training and inference) and the gradient in every phase synchronised batch norm uses
 * (`A2dBatchNormGrad`), as vectorised, multi-threaded loops of the addon (batch-norm.cc) over the wasm heap.
 * They compute what the wasm kernels of `wasm/batch-norm-kernels.ts` compute, in the same float64 arithmetic;
 * only the order of the row sums differs (fixed blocks, the same for any thread count).
 */
import { util, type TensorInfo } from '@tensorflow/tfjs';
import { batchNormGradKernelName, channelMomentsKernelName, momentsOutputs } from '../wasm/batch-norm-kernels';
import type { WasmBackend } from '../wasm/wasm-backend';
import type { NativeAddon } from './native-addon';
import { allFloat32, nativeHeap, withOutputs, type NativeKernel, type NativeKernelArgs } from './native-kernel';

/** Rows and channels of a channels-last tensor [..., C]. */
function layout(x: TensorInfo): { rows: number; channels: number } {
  const channels = x.shape[x.shape.length - 1] ?? 1;
  return { rows: util.sizeFromShape(x.shape) / channels, channels };
}

/** Whether `t` is float32 with one value per channel of a channels-last tensor ([C], or [1, ..., 1, C]). */
function perChannel(t: TensorInfo | undefined, channels: number): t is TensorInfo {
  if (t === undefined || t.dtype !== 'float32' || t.shape.length === 0) return false;
  return t.shape.every((d, i) => d === (i === t.shape.length - 1 ? channels : 1));
}

/** Per-channel float64 sum and sum of squares of the float32 tensor `x` [..., C] on the heap of `backend`. */
export function nativeChannelSums(addon: NativeAddon, backend: WasmBackend, x: TensorInfo): { sum: Float64Array; sumSquares: Float64Array } {
  const { rows, channels } = layout(x);
  const sum = new Float64Array(channels);
  const sumSquares = new Float64Array(channels);
  if (rows > 0) {
    const { heap, offset } = nativeHeap(backend, 'channelSums');
    addon.channelSums(heap, offset(x), rows, channels, sum, sumSquares);
  }
  return { sum, sumSquares };
}

function channelMoments({ inputs, backend, addon }: NativeKernelArgs): TensorInfo[] | undefined {
  const { x } = inputs;
  if (!x || !allFloat32(x) || x.shape.length === 0 || util.sizeFromShape(x.shape) === 0) return undefined;
  return momentsOutputs(backend, nativeChannelSums(addon, backend, x), layout(x).rows);
}

function fusedBatchNorm({ inputs, attrs, backend, addon }: NativeKernelArgs): TensorInfo | undefined {
  const { x, mean, variance, offset, scale } = inputs;
  if (!x || !allFloat32(x) || x.shape.length === 0 || util.sizeFromShape(x.shape) === 0) return undefined;
  const { rows, channels } = layout(x);
  if (!perChannel(mean, channels) || !perChannel(variance, channels)) return undefined;
  if ((offset && !perChannel(offset, channels)) || (scale && !perChannel(scale, channels))) return undefined;
  const epsilon = Number(attrs.varianceEpsilon ?? 0.001);
  const [out] = withOutputs(backend, 'FusedBatchNorm', [x.shape.slice()], (heap, at, [y]) =>
    addon.batchNormForward(heap, at(x), rows, channels, at(mean), at(variance), offset ? at(offset) : -1, scale ? at(scale) : -1, epsilon, y),
  );
  return out;
}

const phaseCodes = { full: 0, sums: 1, input: 2 } as const;

function batchNormGrad({ inputs, attrs, backend, addon }: NativeKernelArgs): TensorInfo[] | undefined {
  const phaseName = String(attrs.phase ?? 'full');
  if (!(phaseName in phaseCodes)) return undefined; // the wasm kernel names the bad phase
  const phase = phaseCodes[phaseName as keyof typeof phaseCodes];
  const { x, dy, mean, variance, scale, meanDy, meanDyXhat } = inputs;
  if (!x || !dy || !allFloat32(x, dy) || x.shape.length === 0 || !util.arraysEqual(x.shape, dy.shape) || util.sizeFromShape(x.shape) === 0) return undefined;
  const { rows, channels } = layout(x);
  if (!perChannel(mean, channels) || !perChannel(variance, channels)) return undefined;
  if (phase !== phaseCodes.sums && !perChannel(scale, channels)) return undefined;
  if (phase === phaseCodes.input && (!perChannel(meanDy, channels) || !perChannel(meanDyXhat, channels))) return undefined;
  const epsilon = Number(attrs.varianceEpsilon ?? 1e-5);
  const shapes = phase === phaseCodes.sums ? [[channels], [channels]] : phase === phaseCodes.input ? [x.shape.slice()] : [x.shape.slice(), [channels], [channels]];
  return withOutputs(backend, batchNormGradKernelName, shapes, (heap, at, outs) => {
    const [dx, dScale, dOffset] = phase === phaseCodes.sums ? [-1, outs[0], outs[1]] : phase === phaseCodes.input ? [outs[0], -1, -1] : outs;
    addon.batchNormBackward(
      heap, phase, rows, channels, epsilon, at(x), at(dy), at(mean), at(variance),
      scale && phase !== phaseCodes.sums ? at(scale) : -1,
      meanDy && phase === phaseCodes.input ? at(meanDy) : -1,
      meanDyXhat && phase === phaseCodes.input ? at(meanDyXhat) : -1,
      dx, dScale, dOffset,
    );
  });
}

/** The native batch-norm statistics kernel. */
export const nativeChannelMoments: NativeKernel = { kernelName: channelMomentsKernelName, run: channelMoments };
/** The native `FusedBatchNorm` (tfjs's batch norm with given statistics). */
export const nativeFusedBatchNorm: NativeKernel = { kernelName: 'FusedBatchNorm', run: fusedBatchNorm };
/** The native batch-norm gradient kernel, every phase. */
export const nativeBatchNormGrad: NativeKernel = { kernelName: batchNormGradKernelName, run: batchNormGrad };
