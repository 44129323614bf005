import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels, wasmTrainingKernelNames } from './training-kernels';

describe('registerWasmTrainingKernels', () => {
  it('registers every training kernel wasm lacks, replaces the wrong ones, and is idempotent', () => {
    const before = new Map(wasmTrainingKernelNames.map((name) => [name, tf.getKernel(name, 'wasm')]));
    // Added: what wasm lacks, and our fused batch-norm and frame-differences kernels; replaced: the slow or wrong ones wasm ships.
    expect([...before].filter(([, kernel]) => kernel === undefined).map(([name]) => name).sort()).toEqual(
      ['A2dBatchNormGrad', 'A2dChannelMoments', 'A2dFrameDifferences', 'Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'UnsortedSegmentSum'],
    );
    expect([...before].filter(([, kernel]) => kernel !== undefined).map(([name]) => name).sort()).toEqual(
      ['BatchMatMul', 'Conv2DBackpropInput', 'Conv3DBackpropFilterV2', 'Conv3DBackpropInputV2', 'Identity', 'MaxPoolGrad'],
    );
    expect(registerWasmTrainingKernels()).toEqual(wasmTrainingKernelNames);
    const registered = wasmTrainingKernelNames.map((name) => tf.getKernel(name, 'wasm')?.kernelFunc);
    expect(registered.every((f) => f !== undefined)).toBe(true);
    expect(registered).not.toContain(before.get('Conv2DBackpropInput')?.kernelFunc);
    expect(registerWasmTrainingKernels()).toEqual([]);
    expect(wasmTrainingKernelNames.map((name) => tf.getKernel(name, 'wasm')?.kernelFunc)).toEqual(registered);
  });
});
