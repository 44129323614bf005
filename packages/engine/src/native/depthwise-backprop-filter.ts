/** `DepthwiseConv2dNativeBackpropFilter` (NHWC): oneDNN's grouped convolution backward-weights (dilations as backprop-input). */
import { backend_util, type DepthwiseConv2dNativeBackpropFilterAttrs, type TensorInfo } from '@tensorflow/tfjs';
import { convParams } from './conv-params';
import { undilated } from './depthwise-backprop-input';
import { allFloat32, withOutput, type NativeKernel, type NativeKernelArgs } from './native-kernel';

function depthwiseBackpropFilter({ inputs, attrs, backend, addon }: NativeKernelArgs): TensorInfo | undefined {
  const { x, dy } = inputs;
  const { filterShape, strides, pad, dimRoundingMode, dilations } = attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
  if (!x || !dy || !allFloat32(x, dy) || !undilated(dilations)) return undefined;
  const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, true);
  const params = convParams(info, { groups: info.inChannels });
  if (!params) return undefined;
  return withOutput(backend, 'DepthwiseConv2dNativeBackpropFilter', info.filterShape.slice(), (heap, offset, out) =>
    addon.convBackwardWeights(heap, params, offset(x), offset(dy), out),
  );
}

/** The native `DepthwiseConv2dNativeBackpropFilter`. */
export const nativeDepthwiseBackpropFilter: NativeKernel = { kernelName: 'DepthwiseConv2dNativeBackpropFilter', run: depthwiseBackpropFilter };
