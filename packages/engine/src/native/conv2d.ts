/** `Conv2D` (NHWC) with oneDNN; attribute handling as tfjs's wasm kernel. */
import { backend_util, type Conv2DAttrs, type TensorInfo } from '@tensorflow/tfjs';
import { convParams } from './conv-params';
import { allFloat32, withOutput, type NativeKernel, type NativeKernelArgs } from './native-kernel';

function conv2d({ inputs, attrs, backend, addon }: NativeKernelArgs): TensorInfo | undefined {
  const { x, filter } = inputs;
  const { strides, dilations, pad, dimRoundingMode, dataFormat } = attrs as unknown as Conv2DAttrs;
  if (!x || !filter || !allFloat32(x, filter)) return undefined;
  const format = backend_util.convertConv2DDataFormat(dataFormat);
  if (format !== 'channelsLast') return undefined;
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filter.shape as [number, number, number, number], strides, dilations, pad, dimRoundingMode, false, format,
  );
  const params = convParams(info, { groups: 1 });
  if (!params) return undefined;
  return withOutput(backend, 'Conv2D', info.outShape, (heap, offset, out) => addon.convForward(heap, params, 0, offset(x), offset(filter), 0, out));
}

/** The native `Conv2D`. */
export const nativeConv2D: NativeKernel = { kernelName: 'Conv2D', run: conv2d };
