/** `Conv2DBackpropFilter` (NHWC): oneDNN's convolution backward-weights; attribute handling as wasm/conv2d-backprop-filter.ts. */
import { backend_util, type Conv2DBackpropFilterAttrs, type TensorInfo } from '@tensorflow/tfjs';
import { convParams } from './conv-params';
import { allFloat32, withOutput, type NativeKernel, type NativeKernelArgs } from './native-kernel';

function conv2dBackpropFilter({ inputs, attrs, backend, addon }: NativeKernelArgs): TensorInfo | undefined {
  const { x, dy } = inputs;
  const { filterShape, strides, pad, dataFormat, dimRoundingMode } = attrs as unknown as Conv2DBackpropFilterAttrs;
  if (!x || !dy || !allFloat32(x, dy)) return undefined;
  const format = backend_util.convertConv2DDataFormat(dataFormat);
  if (format !== 'channelsLast') return undefined;
  const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, format);
  const params = convParams(info, { groups: 1 });
  if (!params) return undefined;
  return withOutput(backend, 'Conv2DBackpropFilter', info.filterShape.slice(), (heap, offset, out) => addon.convBackwardWeights(heap, params, offset(x), offset(dy), out));
}

/** The native `Conv2DBackpropFilter`. */
export const nativeConv2DBackpropFilter: NativeKernel = { kernelName: 'Conv2DBackpropFilter', run: conv2dBackpropFilter };
