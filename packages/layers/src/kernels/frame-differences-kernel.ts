/**
 * `A2dFrameDifferences`: [B, T, H, W, C] -> [B, T, H, W, 2C] (each pixel's C values, then its difference to the same
 * pixel of the previous frame; zero for the first frame) or [B, T, H, W, C] (differences only), in one pass over
 * the frames. Composed of tfjs ops it took a reshape, two slices, a subtraction, a pad and a channel concat, the
 * concat alone ~9% of a default training step on wasm (`layers:profile`). Registered for the wasm and cpu backends
 * (the values are the same float32 subtractions); other backends (webgl, tfjs-node) keep the composed ops.
 */
import { asWasmBackend, f32Region, tensorRegion, tf } from '@a2d/engine';

/** The kernel's name. */
export const FRAME_DIFFERENCES_KERNEL = 'A2dFrameDifferences';

/** Backends with a one-pass implementation. */
const BACKENDS = ['wasm', 'cpu'] as const;

/** Writes the frames (and/or) their differences of `x` [B, T, frameSize/C, C] into `out`. */
function fillFrameDifferences(x: Float32Array, out: Float32Array, shape: readonly number[], keepFrames: boolean): void {
  const [batch, time, height, width, channels] = shape;
  const pixels = height * width;
  const frameSize = pixels * channels;
  const outChannels = keepFrames ? 2 * channels : channels;
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < time; t++) {
      const frame = (b * time + t) * frameSize;
      const outFrame = (b * time + t) * pixels * outChannels;
      const diffAt = keepFrames ? channels : 0;
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

function outputShape(shape: readonly number[], keepFrames: boolean): number[] {
  return [...shape.slice(0, 4), keepFrames ? 2 * shape[4] : shape[4]];
}

function checkInput(x: tf.TensorInfo): void {
  if (x.shape.length !== 5) throw new TypeError(`${FRAME_DIFFERENCES_KERNEL}: expected [B, T, H, W, C], got [${x.shape.join(', ')}]`);
  if (x.dtype !== 'float32') throw new TypeError(`${FRAME_DIFFERENCES_KERNEL}: expected float32, got ${x.dtype}`);
}

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

function wasmKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const wasm = asWasmBackend(backend, FRAME_DIFFERENCES_KERNEL);
  const x = inputs.x as tf.TensorInfo;
  checkInput(x);
  const keepFrames = attrs?.keepFrames !== false;
  const shape = outputShape(x.shape, keepFrames);
  const out = wasm.makeOutput(shape, 'float32');
  const outData = wasm.dataIdMap.get(out.dataId);
  if (!outData) throw new Error(`${FRAME_DIFFERENCES_KERNEL} (wasm): output lost`);
  // Views taken after the allocation: it may grow the heap and replace its buffer.
  const input = tensorRegion(wasm, x, FRAME_DIFFERENCES_KERNEL);
  const output = f32Region(wasm.wasm, outData.memoryOffset >>> 2, shape.reduce((a, b) => a * b, 1));
  fillFrameDifferences(input, output, x.shape, keepFrames);
  return out;
}

interface CpuBackendLike {
  data: { get(dataId: tf.DataId): { values?: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

function cpuKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const cpu = backend as CpuBackendLike;
  const x = inputs.x as tf.TensorInfo;
  checkInput(x);
  const values = cpu.data.get(x.dataId)?.values;
  if (!(values instanceof Float32Array)) throw new Error(`${FRAME_DIFFERENCES_KERNEL} (cpu): input values not found`);
  const keepFrames = attrs?.keepFrames !== false;
  const shape = outputShape(x.shape, keepFrames);
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
    if (tf.getKernel(FRAME_DIFFERENCES_KERNEL, backendName)) continue;
    tf.registerKernel({
      kernelName: FRAME_DIFFERENCES_KERNEL,
      backendName,
      kernelFunc: (backendName === 'wasm' ? wasmKernel : cpuKernel) as unknown as tf.KernelFunc,
    });
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
