/**
 * The `native` backend's kernels: oneDNN convolutions, matrix products and pooling and the addon's batch norm, registered under tfjs's `wasm` backend name, replacing the
 * wasm kernels of the same names (each keeps the one it replaces as its fallback). `registerWasmTrainingKernels`
 * undoes this, so a later `initEngine({ backend: 'wasm' })` runs wasm's kernels again.
 */
import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs';
import { useHeapChannelSums } from '../wasm/batch-norm-kernels';
import { wasmKernelConfig } from '../wasm/training-kernels';
import { nativeBatchMatMul } from './batch-mat-mul';
import { nativeBatchNormGrad, nativeChannelMoments, nativeChannelSums, nativeFusedBatchNorm } from './batch-norm';
import { nativeConv2D } from './conv2d';
import { nativeConv2DBackpropFilter } from './conv2d-backprop-filter';
import { nativeConv2DBackpropInput } from './conv2d-backprop-input';
import { nativeDepthwiseBackpropFilter } from './depthwise-backprop-filter';
import { nativeDepthwiseBackpropInput } from './depthwise-backprop-input';
import { nativeDepthwiseConv2d } from './depthwise-conv2d';
import { nativeFusedConv2D } from './fused-conv2d';
import { nativeFusedDepthwiseConv2D } from './fused-depthwise-conv2d';
import type { NativeAddon } from './native-addon';
import { nativeFrameDifferences } from './frame-differences';
import { nativeAvgPool, nativeAvgPoolGrad, nativeMaxPool, nativeMaxPoolGrad } from './pooling';
import { heapUsable, nativeKernelConfig, type NativeKernel } from './native-kernel';

/** Every native kernel. */
export const nativeKernels: readonly NativeKernel[] = [
  nativeConv2D,
  nativeFusedConv2D,
  nativeDepthwiseConv2d,
  nativeFusedDepthwiseConv2D,
  nativeConv2DBackpropInput,
  nativeConv2DBackpropFilter,
  nativeDepthwiseBackpropInput,
  nativeDepthwiseBackpropFilter,
  nativeChannelMoments,
  nativeFusedBatchNorm,
  nativeBatchNormGrad,
  nativeBatchMatMul,
  nativeMaxPool,
  nativeAvgPool,
  nativeMaxPoolGrad,
  nativeAvgPoolGrad,
  nativeFrameDifferences,
];

/** Names of the kernels `registerNativeKernels` replaces. */
export const nativeKernelNames: readonly string[] = nativeKernels.map((k) => k.kernelName);

// One set of configs per addon, so registering twice leaves the same kernel functions in place.
const configsByAddon = new WeakMap<NativeAddon, readonly KernelConfig[]>();

function configsFor(addon: NativeAddon): readonly KernelConfig[] {
  let configs = configsByAddon.get(addon);
  if (!configs) {
    configs = nativeKernels.map((kernel) => {
      const fallback = wasmKernelConfig(kernel.kernelName);
      if (!fallback) throw new Error(`registerNativeKernels: no wasm kernel ${kernel.kernelName} to fall back on`);
      return nativeKernelConfig(kernel, addon, fallback);
    });
    configsByAddon.set(addon, configs);
  }
  return configs;
}

/** Makes the native kernels the `wasm` implementations of their names; returns the names (re)registered by this call. */
export function registerNativeKernels(addon: NativeAddon): string[] {
  // Synchronised batch norm reads float64 sums directly (not through a kernel): they come from the addon too.
  useHeapChannelSums((backend, x) => (heapUsable(backend) ? nativeChannelSums(addon, backend, x) : undefined));
  const changed: string[] = [];
  for (const config of configsFor(addon)) {
    const current = getKernel(config.kernelName, 'wasm');
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (current) unregisterKernel(config.kernelName, 'wasm');
    registerKernel(config);
    changed.push(config.kernelName);
  }
  return changed;
}
