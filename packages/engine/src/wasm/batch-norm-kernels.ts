/**
 * Fused batch-norm kernels for the wasm backend, used by `batchNormTraining`. tfjs builds the
 * training batch norm from moments plus FusedBatchNorm, whose gradient tiles per-channel values to
 * the full activation and routes through mean/squared-difference gradients: about fifteen passes
 * over the activation. These do the statistics in one pass and the whole backward in two, summing
 * per channel in float64.
 */
import { util, type KernelConfig, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs';
import { asWasmBackend, kernelInputs, tensorRegion } from './wasm-backend';

/** Kernel: x [..., C] -> [mean [C], variance [C]] over every axis but the last (biased variance). */
export const channelMomentsKernelName = 'A2dChannelMoments';

/** Kernel: (x, dy, mean [C], variance [C], scale [C]; attr varianceEpsilon) -> [dx, dScale [C], dOffset [C]]. */
export const batchNormGradKernelName = 'A2dBatchNormGrad';

function channelMoments(args: { inputs: NamedTensorInfoMap; backend: unknown }): TensorInfo[] {
  const name = channelMomentsKernelName;
  const backend = asWasmBackend(args.backend, name);
  const { x } = kernelInputs(args.inputs, ['x'], name);
  if (x.dtype !== 'float32') throw new Error(`${name} (wasm): x must be float32, got ${x.dtype}`);
  const channels = x.shape[x.shape.length - 1];
  const rows = util.sizeFromShape(x.shape) / channels;
  const mean = backend.makeOutput([channels], 'float32');
  const variance = backend.makeOutput([channels], 'float32');
  const xs = tensorRegion(backend, x, name);
  const sum = new Float64Array(channels);
  const sumSquares = new Float64Array(channels);
  for (let r = 0, base = 0; r < rows; r++, base += channels) {
    for (let c = 0; c < channels; c++) {
      const v = xs[base + c];
      sum[c] += v;
      sumSquares[c] += v * v;
    }
  }
  const means = tensorRegion(backend, mean, name);
  const variances = tensorRegion(backend, variance, name);
  for (let c = 0; c < channels; c++) {
    const m = sum[c] / rows;
    means[c] = m;
    variances[c] = Math.max(0, sumSquares[c] / rows - m * m);
  }
  return [mean, variance];
}

function batchNormGrad(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: Record<string, unknown> }): TensorInfo[] {
  const name = batchNormGradKernelName;
  const backend = asWasmBackend(args.backend, name);
  const { x, dy, mean, variance, scale } = kernelInputs(args.inputs, ['x', 'dy', 'mean', 'variance', 'scale'], name);
  const epsilon = Number(args.attrs?.varianceEpsilon ?? 1e-5);
  const channels = x.shape[x.shape.length - 1];
  const rows = util.sizeFromShape(x.shape) / channels;
  const dx = backend.makeOutput(x.shape.slice(), 'float32');
  const dScale = backend.makeOutput([channels], 'float32');
  const dOffset = backend.makeOutput([channels], 'float32');
  const xs = tensorRegion(backend, x, name);
  const dys = tensorRegion(backend, dy, name);
  const dxs = tensorRegion(backend, dx, name);
  const means = tensorRegion(backend, mean, name);
  const variances = tensorRegion(backend, variance, name);
  const scales = tensorRegion(backend, scale, name);
  const m = Float32Array.from(means);
  const rstd = variances.map((v) => 1 / Math.sqrt(v + epsilon));
  const sumDy = new Float64Array(channels);
  const sumDyXhat = new Float64Array(channels);
  for (let r = 0, base = 0; r < rows; r++, base += channels) {
    for (let c = 0; c < channels; c++) {
      const d = dys[base + c];
      sumDy[c] += d;
      sumDyXhat[c] += d * (xs[base + c] - m[c]) * rstd[c];
    }
  }
  const k = new Float32Array(channels);
  const a = new Float32Array(channels);
  const b = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    k[c] = scales[c] * rstd[c];
    a[c] = sumDy[c] / rows;
    b[c] = sumDyXhat[c] / rows;
  }
  // dx = scale * rstd * (dy - mean(dy) - xhat * mean(dy * xhat))
  for (let r = 0, base = 0; r < rows; r++, base += channels) {
    for (let c = 0; c < channels; c++) {
      const xhat = (xs[base + c] - m[c]) * rstd[c];
      dxs[base + c] = k[c] * (dys[base + c] - a[c] - xhat * b[c]);
    }
  }
  tensorRegion(backend, dScale, name).set(sumDyXhat);
  tensorRegion(backend, dOffset, name).set(sumDy);
  return [dx, dScale, dOffset];
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
