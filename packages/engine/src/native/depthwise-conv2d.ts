/**
 * `DepthwiseConv2dNative` (NHWC, channel multiplier M): a oneDNN grouped convolution with one group per input
 * channel; the filter [fh, fw, in, M] is read in place. Attribute handling as tfjs's wasm kernel.
 */
import { backend_util, type DepthwiseConv2dNativeAttrs, type TensorInfo } from '@tensorflow/tfjs';
import { convParams } from './conv-params';
import { allFloat32, withOutput, type NativeKernel, type NativeKernelArgs } from './native-kernel';

function depthwiseConv2d({ inputs, attrs, backend, addon }: NativeKernelArgs): TensorInfo | undefined {
  const { x, filter } = inputs;
  const { strides, dilations, pad, dimRoundingMode, dataFormat } = attrs as unknown as DepthwiseConv2dNativeAttrs;
  if (!x || !filter || !allFloat32(x, filter) || dataFormat === 'NCHW') return undefined;
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filter.shape as [number, number, number, number], strides, dilations ?? [1, 1], pad, dimRoundingMode, true,
  );
  const params = convParams(info, { groups: info.inChannels });
  if (!params) return undefined;
  return withOutput(backend, 'DepthwiseConv2dNative', info.outShape, (heap, offset, out) => addon.convForward(heap, params, 0, offset(x), offset(filter), 0, out));
}

/** The native `DepthwiseConv2dNative`. */
export const nativeDepthwiseConv2d: NativeKernel = { kernelName: 'DepthwiseConv2dNative', run: depthwiseConv2d };
