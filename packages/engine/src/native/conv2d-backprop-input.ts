/** `Conv2DBackpropInput` (NHWC): oneDNN's convolution backward-data; attribute handling as wasm/conv2d-backprop-input.ts. */
import { backend_util, type Conv2DBackpropInputAttrs, type TensorInfo } from '@tensorflow/tfjs';
import { convParams } from './conv-params';
import { allFloat32, withOutput, type NativeKernel, type NativeKernelArgs } from './native-kernel';

function conv2dBackpropInput({ inputs, attrs, backend, addon }: NativeKernelArgs): TensorInfo | undefined {
  const { dy, filter } = inputs;
  const { inputShape, strides, pad, dataFormat, dimRoundingMode } = attrs as unknown as Conv2DBackpropInputAttrs;
  if (!dy || !filter || !allFloat32(dy, filter)) return undefined;
  const format = backend_util.convertConv2DDataFormat(dataFormat);
  if (format !== 'channelsLast') return undefined;
  const info = backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false, format);
  const params = convParams(info, { groups: 1 });
  if (!params) return undefined;
  return withOutput(backend, 'Conv2DBackpropInput', inputShape.slice(), (heap, offset, out) => addon.convBackwardData(heap, params, offset(dy), offset(filter), out));
}

/** The native `Conv2DBackpropInput`. */
export const nativeConv2DBackpropInput: NativeKernel = { kernelName: 'Conv2DBackpropInput', run: conv2dBackpropInput };
