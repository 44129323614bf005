/** The model's `A2dFrameDifferences` (see `wasm/frame-differences.ts`) as one native pass, frames over oneDNN's threads. */
import { util, type TensorInfo } from '@tensorflow/tfjs';
import { checkFrameDifferencesInput, frameDifferencesKernelName, frameDifferencesShape } from '../wasm/frame-differences';
import { withOutput, type NativeKernel, type NativeKernelArgs } from './native-kernel';

function frameDifferences({ inputs, attrs, backend, addon }: NativeKernelArgs): TensorInfo | undefined {
  const { x } = inputs;
  if (!x) return undefined;
  checkFrameDifferencesInput(x);
  if (util.sizeFromShape(x.shape) === 0) return undefined;
  const keepFrames = attrs.keepFrames !== false;
  const [batch, time, height, width, channels] = x.shape;
  return withOutput(backend, frameDifferencesKernelName, frameDifferencesShape(x.shape, keepFrames), (heap, offset, out) =>
    addon.frameDifferences(heap, offset(x), batch, time, height * width, channels, keepFrames, out),
  );
}

/** The native frame-differences kernel. */
export const nativeFrameDifferences: NativeKernel = { kernelName: frameDifferencesKernelName, run: frameDifferences };
