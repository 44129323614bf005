/**
 * `A2dFrameDifferences`: [B, T, H, W, C] -> [B, T, H, W, 2C] (each pixel's C values, then its difference to the same
 * pixel of the previous frame; zero for the first frame) or [B, T, H, W, C] (differences only), in one pass over
 * the frames. Composed of tfjs ops it took a reshape, two slices, a subtraction, a pad and a channel concat, the
 * concat alone ~9% of a default training step on wasm (`layers:profile`). The wasm kernel (and the `native` backend's,
 * which replaces it) is `@a2d/engine`'s; this file adds the cpu kernel (the same float32 subtractions) and the
 * gradient. Other backends (webgl, tfjs-node) keep the composed ops.
 */
import { checkFrameDifferencesInput, fillFrameDifferences, frameDifferencesConfig, frameDifferencesKernelName, frameDifferencesShape, tf } from '@a2d/engine';

/** The kernel's name. */
export const FRAME_DIFFERENCES_KERNEL = frameDifferencesKernelName;

/** Backends with a one-pass implementation. */
const BACKENDS = ['wasm', 'cpu'] as const;

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

interface CpuBackendLike {
  data: { get(dataId: tf.DataId): { values?: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

function cpuKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const cpu = backend as CpuBackendLike;
  const x = inputs.x as tf.TensorInfo;
  checkFrameDifferencesInput(x);
  const values = cpu.data.get(x.dataId)?.values;
  if (!(values instanceof Float32Array)) throw new Error(`${FRAME_DIFFERENCES_KERNEL} (cpu): input values not found`);
  const keepFrames = attrs?.keepFrames !== false;
  const shape = frameDifferencesShape(x.shape, keepFrames);
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  fillFrameDifferences(values, out, x.shape, keepFrames);
  return cpu.makeTensorInfo(shape, 'float32', out);
}

/**
 * dL/dx of the kernel from dL/dy: dx_t = dyFrames_t + dyDiff_t - dyDiff_{t+1} (dyDiff_0 is not used: the first
 * difference is a constant zero, and there is no dyDiff_T). Composed ops on 2D views; training never needs it (the
 * frames are data), explanations may.
 */
function frameDifferencesGradient(dy: tf.Tensor, keepFrames: boolean): tf.Tensor {
  const [batch, time, height, width, outChannels] = dy.shape;
  const channels = keepFrames ? outChannels / 2 : outChannels;
  const pixels = batch * time * height * width;
  const frameSize = height * width * channels;
  const flat = tf.reshape(dy, [pixels, outChannels]);
  const frames = keepFrames ? tf.reshape(tf.slice(flat, [0, 0], [pixels, channels]), [batch, time * frameSize]) : undefined;
  const diffs = tf.reshape(keepFrames ? tf.slice(flat, [0, channels], [pixels, channels]) : flat, [batch, time * frameSize]);
  // dyDiff_t for t >= 1 counts for x_t (+) and x_{t-1} (-).
  const later = tf.slice(diffs, [0, frameSize], [batch, (time - 1) * frameSize]);
  const plus = tf.pad(later, [[0, 0], [frameSize, 0]]);
  const minus = tf.pad(later, [[0, 0], [0, frameSize]]);
  const fromDiffs = tf.sub(plus, minus);
  const dx = frames ? tf.add(frames, fromDiffs) : fromDiffs;
  return tf.reshape(dx, [batch, time, height, width, channels]);
}

let registered = false;

/** Registers the kernel for the wasm and cpu backends and its gradient (once per process). */
export function registerFrameDifferencesKernel(): void {
  if (registered) return;
  registered = true;
  for (const backendName of BACKENDS) {
    // initEngine registers engine's wasm kernel (or native's in its place); this covers a wasm started without it.
    if (tf.getKernel(FRAME_DIFFERENCES_KERNEL, backendName)) continue;
    tf.registerKernel(backendName === 'wasm' ? frameDifferencesConfig : { kernelName: FRAME_DIFFERENCES_KERNEL, backendName, kernelFunc: cpuKernel as unknown as tf.KernelFunc });
  }
  if (!tf.getGradient(FRAME_DIFFERENCES_KERNEL)) {
    tf.registerGradient({
      kernelName: FRAME_DIFFERENCES_KERNEL,
      gradFunc: (dy, _saved, attrs) => ({ x: () => frameDifferencesGradient(dy as tf.Tensor, (attrs as { keepFrames?: boolean }).keepFrames !== false) }),
    });
  }
}

/** Whether the current backend runs the kernel (otherwise the layer composes tfjs ops). */
export function hasFrameDifferencesKernel(): boolean {
  registerFrameDifferencesKernel();
  return tf.getKernel(FRAME_DIFFERENCES_KERNEL, tf.getBackend()) !== undefined;
}

/** Runs the kernel on `x` [B, T, H, W, C]. */
export function frameDifferencesKernel(x: tf.Tensor5D, keepFrames: boolean): tf.Tensor5D {
  return tf.engine().runKernel(FRAME_DIFFERENCES_KERNEL, { x }, { keepFrames }) as tf.Tensor5D;
}
