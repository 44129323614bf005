/**
 * Max and average pooling (NHWC) and their input gradients on oneDNN. Geometry comes from tfjs's
 * `computePool2DInfo`, so padding and output sizes are tfjs's; average pooling excludes the padding from the
 * count, as tfjs does. tfjs's average-pooling gradient, though, divides by the whole window even where its forward
 * pass left padding out (not the gradient of its own forward pass; every tfjs backend does it): a padded `AvgPoolGrad`
 * stays on the wasm kernel, so training computes the same function on every backend. Geometry oneDNN would not take as given (a window wholly inside the padding, an output size
 * that does not follow from the padding) goes to the wasm kernel.
 */
import { backend_util, type AvgPoolAttrs, type MaxPoolAttrs, type TensorInfo } from '@tensorflow/tfjs';
import { allFloat32, withOutput, type NativeKernel, type NativeKernelArgs } from './native-kernel';

const algorithms = { max: 0, average: 1 } as const;
type Algorithm = keyof typeof algorithms;

/** The addon's geometry for a pooling of `x` [N, H, W, C], or undefined when oneDNN does not take it. */
export function poolParams(xShape: number[], attrs: MaxPoolAttrs | AvgPoolAttrs, algorithm: Algorithm): { params: Int32Array; outShape: number[]; padded: boolean } | undefined {
  if (xShape.length !== 4) return undefined;
  const info = backend_util.computePool2DInfo(xShape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
  const { top, left, bottom, right } = padInfo;
  const sizes = [batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth];
  if (sizes.some((v) => !(Number.isInteger(v) && v > 0 && v < 2 ** 31)) || [top, left, bottom, right].some((v) => !(v >= 0))) return undefined;
  if (top >= filterHeight || bottom >= filterHeight || left >= filterWidth || right >= filterWidth) return undefined;
  if (Math.floor((inHeight + top + bottom - filterHeight) / strideHeight) + 1 !== outHeight) return undefined;
  if (Math.floor((inWidth + left + right - filterWidth) / strideWidth) + 1 !== outWidth) return undefined;
  return { params: Int32Array.from([...sizes, top, left, bottom, right, algorithms[algorithm]]), outShape: info.outShape, padded: top + left + bottom + right > 0 };
}

function forward(algorithm: Algorithm, kernelName: string): NativeKernel['run'] {
  return ({ inputs, attrs, backend, addon }: NativeKernelArgs): TensorInfo | undefined => {
    const { x } = inputs;
    if (!x || !allFloat32(x)) return undefined;
    const geometry = poolParams(x.shape, attrs as unknown as MaxPoolAttrs, algorithm);
    if (!geometry) return undefined;
    return withOutput(backend, kernelName, geometry.outShape, (heap, offset, out) => addon.poolForward(heap, geometry.params, offset(x), out));
  };
}

function backward(algorithm: Algorithm, kernelName: string): NativeKernel['run'] {
  return ({ inputs, attrs, backend, addon }: NativeKernelArgs): TensorInfo | undefined => {
    const { dy, input } = inputs;
    if (!dy || !input || !allFloat32(dy, input)) return undefined;
    const geometry = poolParams(input.shape, attrs as unknown as MaxPoolAttrs, algorithm);
    if (!geometry || geometry.outShape.some((d, i) => d !== dy.shape[i])) return undefined;
    if (algorithm === 'average' && geometry.padded) return undefined; // tfjs's own value (see the file comment)
    return withOutput(backend, kernelName, input.shape.slice(), (heap, offset, dx) => addon.poolBackward(heap, geometry.params, offset(input), offset(dy), dx));
  };
}

/** The native `MaxPool`. */
export const nativeMaxPool: NativeKernel = { kernelName: 'MaxPool', run: forward('max', 'MaxPool') };
/** The native `AvgPool`. */
export const nativeAvgPool: NativeKernel = { kernelName: 'AvgPool', run: forward('average', 'AvgPool') };
/** The native `MaxPoolGrad` (its `output` input is not needed: oneDNN recomputes where each maximum was). */
export const nativeMaxPoolGrad: NativeKernel = { kernelName: 'MaxPoolGrad', run: backward('max', 'MaxPoolGrad') };
/** The native `AvgPoolGrad`. */
export const nativeAvgPoolGrad: NativeKernel = { kernelName: 'AvgPoolGrad', run: backward('average', 'AvgPoolGrad') };
