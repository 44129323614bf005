/**
 * `A2dFrameDifferences` on wasm: [B, T, H, W, C] -> [B, T, H, W, 2C] (each pixel's C values, then its difference to
 * the same pixel of the previous frame; zero for the first frame), or [B, T, H, W, C] (differences only) with
 * `keepFrames: false`, in one pass over the heap. The layer that uses it, its cpu kernel and its gradient live in
 * `@a2d/layers` (kernels/frame-differences-kernel.ts); the kernel is here so the `native` backend can replace it
 * like every other wasm kernel.
 */
import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import { asWasmBackend, f32Region, tensorRegion } from './wasm-backend';

/** The kernel's name. */
export const frameDifferencesKernelName = 'A2dFrameDifferences';

/** Writes the frames (and/or) their differences of `x` [B, T, H, W, C] into `out`. */
export function fillFrameDifferences(x: ArrayLike<number>, out: Float32Array, shape: readonly number[], keepFrames: boolean): void {
  const [batch, time, height, width, channels] = shape;
  const pixels = height * width;
  const frameSize = pixels * channels;
  const outChannels = keepFrames ? 2 * channels : channels;
  const diffAt = keepFrames ? channels : 0;
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < time; t++) {
      const frame = (b * time + t) * frameSize;
      const outFrame = (b * time + t) * pixels * outChannels;
      for (let p = 0; p < pixels; p++) {
        const src = frame + p * channels;
        const dst = outFrame + p * outChannels;
        for (let c = 0; c < channels; c++) {
          const value = x[src + c];
          if (keepFrames) out[dst + c] = value;
          // The same float32 subtraction as tf.sub (x_t - x_{t-1}); the first frame's difference is zero.
          out[dst + diffAt + c] = t === 0 ? 0 : Math.fround(value - x[src + c - frameSize]);
        }
      }
    }
  }
}

/** The output shape for input `shape`. */
export function frameDifferencesShape(shape: readonly number[], keepFrames: boolean): number[] {
  return [...shape.slice(0, 4), keepFrames ? 2 * shape[4] : shape[4]];
}

/** Throws unless `x` is a float32 [B, T, H, W, C]. */
export function checkFrameDifferencesInput(x: TensorInfo): void {
  if (x.shape.length !== 5) throw new TypeError(`${frameDifferencesKernelName}: expected [B, T, H, W, C], got [${x.shape.join(', ')}]`);
  if (x.dtype !== 'float32') throw new TypeError(`${frameDifferencesKernelName}: expected float32, got ${x.dtype}`);
}

function frameDifferences({ inputs, backend, attrs }: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const wasm = asWasmBackend(backend, frameDifferencesKernelName);
  const x = inputs.x as TensorInfo;
  checkFrameDifferencesInput(x);
  const keepFrames = attrs?.keepFrames !== false;
  const shape = frameDifferencesShape(x.shape, keepFrames);
  const out = wasm.makeOutput(shape, 'float32');
  const outData = wasm.dataIdMap.get(out.dataId);
  if (!outData) throw new Error(`${frameDifferencesKernelName} (wasm): output lost`);
  // Views taken after the allocation: it may grow the heap and replace its buffer.
  const input = tensorRegion(wasm, x, frameDifferencesKernelName);
  const output = f32Region(wasm.wasm, outData.memoryOffset >>> 2, shape.reduce((a, b) => a * b, 1));
  fillFrameDifferences(input, output, x.shape, keepFrames);
  return out;
}

/** Registration of the wasm kernel. */
export const frameDifferencesConfig: KernelConfig = {
  kernelName: frameDifferencesKernelName,
  backendName: 'wasm',
  kernelFunc: frameDifferences as unknown as KernelConfig['kernelFunc'],
};
