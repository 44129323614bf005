/**
 * Fused batch-norm kernels for the wasm backend, used by `batchNormTraining`. tfjs builds the
 * training batch norm from moments plus FusedBatchNorm, whose gradient tiles per-channel values to
 * the full activation and routes through mean/squared-difference gradients: about fifteen passes
 * over the activation. These do the statistics in one pass and the whole backward in two, summing
 * per channel in float64.
 */
import { util, type KernelConfig, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs';
import { asWasmBackend, kernelInputs, tensorRegion, type WasmBackend } from './wasm-backend';

/** Kernel: x [..., C] -> [mean [C], variance [C]] over every axis but the last (biased variance). */
export const channelMomentsKernelName = 'A2dChannelMoments';

/**
 * Kernel: (x, dy, mean [C], variance [C], scale [C]; attrs varianceEpsilon, phase). `phase` `full` (default) ->
 * [dx, dScale [C], dOffset [C]]. Synchronised batch norm splits it around its all-reduce: `sums` -> [dScale, dOffset]
 * (sum(dy * xhat), sum(dy); no dx, scale unused), then `input`, with two more inputs meanDy [C] and meanDyXhat [C]
 * (the whole batch's means, in place of this tensor's own) -> [dx].
 */
export const batchNormGradKernelName = 'A2dBatchNormGrad';

/** Per-channel sum and sum of squares (float64) of `values` laid out as rows of `channels`. */
export function channelSums(values: ArrayLike<number>, channels: number): { sum: Float64Array; sumSquares: Float64Array } {
  const rows = values.length / channels;
  const sum = new Float64Array(channels);
  const sumSquares = new Float64Array(channels);
  for (let r = 0, base = 0; r < rows; r++, base += channels) {
    for (let c = 0; c < channels; c++) {
      const v = values[base + c];
      sum[c] += v;
      sumSquares[c] += v * v;
    }
  }
  return { sum, sumSquares };
}

/** Computes `channelSums` of a heap tensor some other way (the `native` backend's addon), or returns undefined. */
export type HeapChannelSums = (backend: WasmBackend, x: TensorInfo) => { sum: Float64Array; sumSquares: Float64Array } | undefined;

let heapChannelSums: HeapChannelSums | undefined;

/** Makes `wasmChannelSums` try `sums` first (the native backend's registration), or only JS again (undefined). */
export function useHeapChannelSums(sums: HeapChannelSums | undefined): void {
  heapChannelSums = sums;
}

/**
 * `channelSums` of a float32 tensor [..., C] of the wasm backend `backend`, read in place on its heap. Synchronised
 * batch norm all-reduces these float64 sums: the float32 outputs of the moments kernel would round them first.
 */
export function wasmChannelSums(backend: unknown, x: TensorInfo): { sum: Float64Array; sumSquares: Float64Array } {
  const name = 'wasmChannelSums';
  if (x.dtype !== 'float32') throw new Error(`${name}: x must be float32, got ${x.dtype}`);
  const wasm = asWasmBackend(backend, name);
  return heapChannelSums?.(wasm, x) ?? channelSums(tensorRegion(wasm, x, name), x.shape[x.shape.length - 1]);
}

function channelMoments(args: { inputs: NamedTensorInfoMap; backend: unknown }): TensorInfo[] {
  const name = channelMomentsKernelName;
  const backend = asWasmBackend(args.backend, name);
  const { x } = kernelInputs(args.inputs, ['x'], name);
  if (x.dtype !== 'float32') throw new Error(`${name} (wasm): x must be float32, got ${x.dtype}`);
  const channels = x.shape[x.shape.length - 1];
  const rows = util.sizeFromShape(x.shape) / channels;
  return momentsOutputs(backend, channelSums(tensorRegion(backend, x, name), channels), rows);
}

/**
 * The moments kernel's outputs [mean [C], variance [C]] (biased) on `backend` from the float64 per-channel sums of
 * `rows` rows: the arithmetic every implementation of the kernel shares.
 */
export function momentsOutputs(backend: WasmBackend, sums: { sum: Float64Array; sumSquares: Float64Array }, rows: number): TensorInfo[] {
  const channels = sums.sum.length;
  const mean = backend.makeOutput([channels], 'float32');
  const variance = backend.makeOutput([channels], 'float32');
  // Views after both allocations: allocating may grow (and replace) the heap.
  const means = tensorRegion(backend, mean, channelMomentsKernelName);
  const variances = tensorRegion(backend, variance, channelMomentsKernelName);
  for (let c = 0; c < channels; c++) {
    const m = sums.sum[c] / rows;
    means[c] = m;
    variances[c] = Math.max(0, sums.sumSquares[c] / rows - m * m);
  }
  return [mean, variance];
}

/** The phases of the gradient kernel (see `batchNormGradKernelName`). */
const gradPhases = ['full', 'sums', 'input'] as const;
type GradPhase = (typeof gradPhases)[number];

/** Per channel: sum(dy) and sum(dy * xhat), in float64. */
function gradientSums(xs: Float32Array, dys: Float32Array, m: Float32Array, rstd: Float32Array, rows: number, channels: number): { sumDy: Float64Array; sumDyXhat: Float64Array } {
  const sumDy = new Float64Array(channels);
  const sumDyXhat = new Float64Array(channels);
  for (let r = 0, base = 0; r < rows; r++, base += channels) {
    for (let c = 0; c < channels; c++) {
      const d = dys[base + c];
      sumDy[c] += d;
      sumDyXhat[c] += d * (xs[base + c] - m[c]) * rstd[c];
    }
  }
  return { sumDy, sumDyXhat };
}

function batchNormGrad(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: Record<string, unknown> }): TensorInfo[] {
  const name = batchNormGradKernelName;
  const backend = asWasmBackend(args.backend, name);
  const phase = (args.attrs?.phase ?? 'full') as GradPhase;
  if (!gradPhases.includes(phase)) throw new Error(`${name} (wasm): phase must be one of ${gradPhases.join(', ')}, got ${String(phase)}`);
  const { x, dy, mean, variance } = kernelInputs(args.inputs, ['x', 'dy', 'mean', 'variance'], name);
  const epsilon = Number(args.attrs?.varianceEpsilon ?? 1e-5);
  const channels = x.shape[x.shape.length - 1];
  const rows = util.sizeFromShape(x.shape) / channels;
  // Every output is made before any heap view is taken: allocating may grow (and replace) the heap.
  const dx = phase === 'sums' ? undefined : backend.makeOutput(x.shape.slice(), 'float32');
  const dScale = phase === 'input' ? undefined : backend.makeOutput([channels], 'float32');
  const dOffset = phase === 'input' ? undefined : backend.makeOutput([channels], 'float32');
  const xs = tensorRegion(backend, x, name);
  const dys = tensorRegion(backend, dy, name);
  const m = Float32Array.from(tensorRegion(backend, mean, name));
  const rstd = tensorRegion(backend, variance, name).map((v) => 1 / Math.sqrt(v + epsilon));
  // a = mean(dy), b = mean(dy * xhat) per channel: this tensor's own, or the whole batch's (phase `input`).
  const a = new Float32Array(channels);
  const b = new Float32Array(channels);
  if (phase === 'input') {
    const given = kernelInputs(args.inputs, ['meanDy', 'meanDyXhat'], name);
    a.set(tensorRegion(backend, given.meanDy, name));
    b.set(tensorRegion(backend, given.meanDyXhat, name));
  } else {
    const { sumDy, sumDyXhat } = gradientSums(xs, dys, m, rstd, rows, channels);
    tensorRegion(backend, dScale as TensorInfo, name).set(sumDyXhat);
    tensorRegion(backend, dOffset as TensorInfo, name).set(sumDy);
    if (phase === 'sums') return [dScale as TensorInfo, dOffset as TensorInfo];
    for (let c = 0; c < channels; c++) {
      a[c] = sumDy[c] / rows;
      b[c] = sumDyXhat[c] / rows;
    }
  }
  const { scale } = kernelInputs(args.inputs, ['scale'], name);
  const scales = tensorRegion(backend, scale, name);
  const k = new Float32Array(channels);
  for (let c = 0; c < channels; c++) k[c] = scales[c] * rstd[c];
  const dxs = tensorRegion(backend, dx as TensorInfo, name);
  // dx = scale * rstd * (dy - mean(dy) - xhat * mean(dy * xhat))
  for (let r = 0, base = 0; r < rows; r++, base += channels) {
    for (let c = 0; c < channels; c++) {
      const xhat = (xs[base + c] - m[c]) * rstd[c];
      dxs[base + c] = k[c] * (dys[base + c] - a[c] - xhat * b[c]);
    }
  }
  return phase === 'input' ? [dx as TensorInfo] : [dx as TensorInfo, dScale as TensorInfo, dOffset as TensorInfo];
}

/** Registration of the wasm channel-moments kernel. */
export const channelMomentsConfig: KernelConfig = {
  kernelName: channelMomentsKernelName,
  backendName: 'wasm',
  kernelFunc: channelMoments as unknown as KernelConfig['kernelFunc'],
};

/** Registration of the wasm batch-norm gradient kernel. */
export const batchNormGradConfig: KernelConfig = {
  kernelName: batchNormGradKernelName,
  backendName: 'wasm',
  kernelFunc: batchNormGrad as unknown as KernelConfig['kernelFunc'],
};
