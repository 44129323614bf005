/** `FusedDepthwiseConv2D` (NHWC): the depthwise convolution with bias and activation post-ops (see fused-conv2d.ts). */
import { backend_util, type FusedDepthwiseConv2DAttrs, type TensorInfo } from '@tensorflow/tfjs';
import { convParams } from './conv-params';
import { fusedParts } from './fused-conv2d';
import { allFloat32, withOutput, type NativeKernel, type NativeKernelArgs } from './native-kernel';

function fusedDepthwiseConv2d({ inputs, attrs, backend, addon }: NativeKernelArgs): TensorInfo | undefined {
  const { x, filter } = inputs;
  const fusedAttrs = attrs as unknown as FusedDepthwiseConv2DAttrs;
  if (!x || !filter || !allFloat32(x, filter) || fusedAttrs.dataFormat !== 'NHWC') return undefined;
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
    fusedAttrs.strides, fusedAttrs.dilations, fusedAttrs.pad, fusedAttrs.dimRoundingMode, true,
  );
  const parts = fusedParts(inputs, fusedAttrs, info.outChannels);
  const params = parts && convParams(info, { groups: info.inChannels, activation: parts.activation, hasBias: parts.bias !== undefined });
  if (!parts || !params) return undefined;
  const { bias } = parts;
  return withOutput(backend, 'FusedDepthwiseConv2D', info.outShape, (heap, offset, out) =>
    addon.convForward(heap, params, fusedAttrs.leakyreluAlpha || 0, offset(x), offset(filter), bias ? offset(bias) : 0, out),
  );
}

/** The native `FusedDepthwiseConv2D`. */
export const nativeFusedDepthwiseConv2D: NativeKernel = { kernelName: 'FusedDepthwiseConv2D', run: fusedDepthwiseConv2d };
