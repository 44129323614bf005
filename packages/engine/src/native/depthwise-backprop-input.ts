/**
 * `DepthwiseConv2dNativeBackpropInput` (NHWC): oneDNN's grouped convolution backward-data. Dilations above 1 go
 * to the wasm kernel, which rejects them as tfjs's gradients do (see wasm/depthwise-backprop.ts).
 */
import { backend_util, type DepthwiseConv2dNativeBackpropInputAttrs, type TensorInfo } from '@tensorflow/tfjs';
import { convParams } from './conv-params';
import { allFloat32, withOutput, type NativeKernel, type NativeKernelArgs } from './native-kernel';

/** Whether tfjs `dilations` (a number or a pair) are all 1. */
export function undilated(dilations: number | [number, number] | undefined): boolean {
  return dilations === undefined || (typeof dilations === 'number' ? dilations === 1 : dilations.every((d) => d === 1));
}

function depthwiseBackpropInput({ inputs, attrs, backend, addon }: NativeKernelArgs): TensorInfo | undefined {
  const { dy, filter } = inputs;
  const { inputShape, strides, pad, dimRoundingMode, dilations } = attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs;
  if (!dy || !filter || !allFloat32(dy, filter) || !undilated(dilations)) return undefined;
  const info = backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, true);
  const params = convParams(info, { groups: info.inChannels });
  if (!params) return undefined;
  return withOutput(backend, 'DepthwiseConv2dNativeBackpropInput', inputShape.slice(), (heap, offset, out) =>
    addon.convBackwardData(heap, params, offset(dy), offset(filter), out),
  );
}

/** The native `DepthwiseConv2dNativeBackpropInput`. */
export const nativeDepthwiseBackpropInput: NativeKernel = { kernelName: 'DepthwiseConv2dNativeBackpropInput', run: depthwiseBackpropInput };
