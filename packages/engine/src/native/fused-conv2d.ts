/**
 * `FusedConv2D` (NHWC): convolution, bias and activation in one oneDNN primitive (the activation is a post-op).
 * prelu, a bias that is not one value per output channel, and NCHW go to tfjs's wasm kernel, which runs or
 * rejects them as it always has.
 */
import { backend_util, type FusedConv2DAttrs, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs';
import { convParams, nativeActivationCodes } from './conv-params';
import { allFloat32, withOutput, type NativeKernel, type NativeKernelArgs } from './native-kernel';

/** The activation code and bias of a fused call, or undefined when oneDNN does not take them. */
export function fusedParts(inputs: NamedTensorInfoMap, attrs: FusedConv2DAttrs, outChannels: number): { activation: number; bias?: TensorInfo } | undefined {
  const activation = nativeActivationCodes[attrs.activation ?? 'linear'];
  if (activation === undefined || inputs.preluActivationWeights) return undefined;
  const bias = inputs.bias;
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== outChannels || bias.dtype !== 'float32')) return undefined;
  return { activation, bias };
}

/**
 * The native run of a fused convolution: `FusedConv2D` (groups 1) or, with `depthwise`, `FusedDepthwiseConv2D`
 * (one group per input channel); the two differ only there (their attributes have the same fields).
 */
export function fusedConvForward(kernelName: string, depthwise: boolean): NativeKernel['run'] {
  return ({ inputs, attrs, backend, addon }: NativeKernelArgs): TensorInfo | undefined => {
    const { x, filter } = inputs;
    const fusedAttrs = attrs as unknown as FusedConv2DAttrs;
    if (!x || !filter || !allFloat32(x, filter) || fusedAttrs.dataFormat !== 'NHWC') return undefined;
    const info = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
      fusedAttrs.strides, fusedAttrs.dilations, fusedAttrs.pad, fusedAttrs.dimRoundingMode, depthwise,
    );
    const parts = fusedParts(inputs, fusedAttrs, info.outChannels);
    const params = parts && convParams(info, { groups: depthwise ? info.inChannels : 1, activation: parts.activation, hasBias: parts.bias !== undefined });
    if (!parts || !params) return undefined;
    const { bias } = parts;
    return withOutput(backend, kernelName, info.outShape, (heap, offset, out) =>
      addon.convForward(heap, params, fusedAttrs.leakyreluAlpha || 0, offset(x), offset(filter), bias ? offset(bias) : 0, out),
    );
  };
}

/** The native `FusedConv2D`. */
export const nativeFusedConv2D: NativeKernel = { kernelName: 'FusedConv2D', run: fusedConvForward('FusedConv2D', false) };
