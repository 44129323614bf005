/**
 * Registers the wasm kernels that training needs and tfjs's wasm backend lacks or gets wrong.
 * Idempotent: a second call changes nothing; kernels already replaced by ours stay ours. Refuses to register
 * on any `@tensorflow/tfjs-backend-wasm` but the one they are written against (see `tfjs-wasm-version.ts`).
 * It also puts back tfjs's own wasm forward convolutions, batch norm and pooling where the `native` backend replaced them, so
 * choosing `wasm` after `native` in one process runs wasm's kernels again.
 */
import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs';
// Importing it registers tfjs's own wasm kernels first, so ours replace them rather than being replaced later.
import { version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { batchMatMulConfig } from './batch-mat-mul';
import { batchNormGradConfig, channelMomentsConfig, useHeapChannelSums } from './batch-norm-kernels';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input';
import { conv3dBackpropFilterConfig, conv3dBackpropInputConfig } from './conv3d-backprop';
import { depthwiseBackpropFilterConfig, depthwiseBackpropInputConfig } from './depthwise-backprop';
import { frameDifferencesConfig } from './frame-differences';
import { identityConfig } from './identity';
import { maxPoolGradConfig } from './max-pool-grad';
import { assertSupportedTfjsWasmVersion } from './tfjs-wasm-version';
import { unsortedSegmentSumConfig } from './unsorted-segment-sum';

/** Every kernel we register for `wasm`, by name. */
export const wasmTrainingKernels: readonly KernelConfig[] = [
  conv2dBackpropFilterConfig,
  conv2dBackpropInputConfig,
  depthwiseBackpropFilterConfig,
  depthwiseBackpropInputConfig,
  unsortedSegmentSumConfig,
  conv3dBackpropFilterConfig,
  conv3dBackpropInputConfig,
  channelMomentsConfig,
  batchNormGradConfig,
  maxPoolGradConfig,
  identityConfig,
  batchMatMulConfig,
  frameDifferencesConfig,
];

/** Names of the kernels registered by `registerWasmTrainingKernels`. */
export const wasmTrainingKernelNames: readonly string[] = wasmTrainingKernels.map((k) => k.kernelName);

/** tfjs's own wasm kernels that the `native` backend replaces (its forward convolutions, batch norm and pooling). */
export const tfjsWasmKernelNames: readonly string[] = [
  'Conv2D', 'FusedConv2D', 'DepthwiseConv2dNative', 'FusedDepthwiseConv2D', 'FusedBatchNorm', 'MaxPool', 'AvgPool', 'AvgPoolGrad',
];

// Copied when this module loads, right after tfjs's wasm kernels registered themselves and before anything replaced them.
const tfjsWasmKernels: readonly KernelConfig[] = tfjsWasmKernelNames
  .map((name) => getKernel(name, 'wasm') as KernelConfig | undefined)
  .filter((config): config is KernelConfig => config !== undefined);

/** The kernel `wasm` runs for `name` after `registerWasmTrainingKernels`: ours, or tfjs's own; undefined for other names. */
export function wasmKernelConfig(name: string): KernelConfig | undefined {
  return wasmTrainingKernels.find((k) => k.kernelName === name) ?? tfjsWasmKernels.find((k) => k.kernelName === name);
}

/**
 * Makes our kernels the `wasm` implementations of their names (replacing tfjs's where one exists), and tfjs's
 * own forward convolutions those of theirs (undoing `native`). Returns the names that were (re)registered by
 * this call; empty when everything was already in place.
 * Throws `UnsupportedTfjsVersionError`, registering nothing, when `installedVersion` (default: the
 * `@tensorflow/tfjs-backend-wasm` actually loaded) is not the supported one.
 */
export function registerWasmTrainingKernels(installedVersion: string = version_wasm): string[] {
  assertSupportedTfjsWasmVersion(installedVersion);
  useHeapChannelSums(undefined);
  const changed: string[] = [];
  for (const config of [...wasmTrainingKernels, ...tfjsWasmKernels]) {
    const current = getKernel(config.kernelName, 'wasm') as KernelConfig | undefined;
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (current) unregisterKernel(config.kernelName, 'wasm');
    registerKernel(config);
    changed.push(config.kernelName);
  }
  return changed;
}
