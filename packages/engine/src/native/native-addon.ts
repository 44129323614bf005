/**
 * Loads `a2d_dnnl.node`, the oneDNN addon built from packages/engine/native by tools/setup.sh, and types what it
 * exports. Every kernel call works in place on the wasm heap: JS passes the heap's current ArrayBuffer, byte
 * offsets and an Int32Array of geometry (`conv-params.ts`); the addon checks every region against the buffer.
 * Loading never throws: it returns the addon or one line saying why there is none.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';

/** What the addon reports about itself and this thread. */
export interface NativeAddonInfo {
  /** oneDNN version the addon runs on (Debian's libdnnl). */
  dnnlVersion: string;
  /** oneDNN's CPU threading runtime (`omp` for Debian's build). */
  cpuRuntime: 'omp' | 'tbb' | 'other';
  /** The instruction set oneDNN's JIT targets on this CPU. */
  isa: string;
  /** oneDNN threads of the calling JS thread (OpenMP keeps the count per thread). */
  threads: number;
  /** Cores OpenMP sees. */
  cores: number;
  /** Compiled convolution plans kept per thread at most. */
  planCapacity: number;
}

/** Which convolution primitive `convImplementation` names. */
export type NativeConvKind = 'forward' | 'backwardData' | 'backwardWeights';

/** The functions of `a2d_dnnl.node`. Offsets are byte offsets into `heap`; `params` is laid out by `conv-params.ts`. */
export interface NativeAddon {
  /** Versions, instruction set and thread counts. */
  info(): NativeAddonInfo;
  /** Sets oneDNN's threads for the calling JS thread (0: every core); returns the count now in effect. */
  setThreads(count: number): number;
  /** Number of compiled plans (convolutions, matrix products, pooling) cached for the calling thread. */
  cachedPlans(): number;
  /** Drops the calling thread's cached plans. */
  clearPlans(): void;
  /** out = activation(conv(x, filter) + bias); `bias` is ignored unless params say there is one. */
  convForward(heap: ArrayBuffer, params: Int32Array, alpha: number, x: number, filter: number, bias: number, out: number): void;
  /** dx = the input gradient of the convolution, from dy and the filter. */
  convBackwardData(heap: ArrayBuffer, params: Int32Array, dy: number, filter: number, dx: number): void;
  /** dw = the filter gradient of the convolution, from x and dy. */
  convBackwardWeights(heap: ArrayBuffer, params: Int32Array, x: number, dy: number, dw: number): void;
  /** The oneDNN implementation chosen for a convolution (e.g. `brgconv:avx512_core`), building its plan if needed. */
  convImplementation(kind: NativeConvKind, params: Int32Array): string;
  /**
   * out[i] = op(a[i]) x op(b[i]) over float32 row-major items; `params` = [itemsA, itemsB, rows, inner, cols,
   * transposeA, transposeB] (an operand of one item serves every item; a transposed operand is stored [cols, rows]).
   */
  batchMatMul(heap: ArrayBuffer, params: Int32Array, a: number, b: number, out: number): void;
  /** Max or average pooling forward (NHWC); `params` = sizes, strides, padding and algorithm (native/pooling.ts). */
  poolForward(heap: ArrayBuffer, params: Int32Array, x: number, out: number): void;
  /** The pooling's input gradient dx from dy (max pooling also reads x, to find each window's maximum). */
  poolBackward(heap: ArrayBuffer, params: Int32Array, x: number, dy: number, dx: number): void;
  /** The model's frame differences of clips [batch, time, pixels, channels] at `x` (see wasm/frame-differences.ts). */
  frameDifferences(heap: ArrayBuffer, x: number, batch: number, time: number, pixels: number, channels: number, keepFrames: boolean, out: number): void;
  /** Per-channel sum and sum of squares (float64) of `rows` rows of `channels` float32 values at `x`. */
  channelSums(heap: ArrayBuffer, x: number, rows: number, channels: number, sum: Float64Array, sumSquares: Float64Array): void;
  /** out = (x - mean) * scale / sqrt(variance + epsilon) + offset per channel; `offset`/`scale` -1 when absent. */
  batchNormForward(heap: ArrayBuffer, x: number, rows: number, channels: number, mean: number, variance: number, offset: number, scale: number, epsilon: number, out: number): void;
  /**
   * The batch-norm gradient in phase 0 (full: dx, dScale, dOffset), 1 (sums: dScale = sum(dy * xhat), dOffset =
   * sum(dy)) or 2 (input: dx from the given whole-batch meanDy, meanDyXhat); operands a phase does not use are -1.
   */
  batchNormBackward(
    heap: ArrayBuffer, phase: 0 | 1 | 2, rows: number, channels: number, epsilon: number,
    x: number, dy: number, mean: number, variance: number, scale: number, meanDy: number, meanDyXhat: number,
    dx: number, dScale: number, dOffset: number,
  ): void;
}

/** The addon, or why it cannot load; `path` is where it was looked for. */
export type NativeAddonLoad = { addon: NativeAddon; path: string; reason?: undefined } | { addon?: undefined; path: string; reason: string };

/** Environment variable that overrides where the addon is loaded from (a missing path simulates a machine without it). */
export const nativeAddonPathVariable = 'A2D_NATIVE_ADDON';

const exportedFunctions: readonly (keyof NativeAddon)[] = [
  'info', 'setThreads', 'cachedPlans', 'clearPlans', 'convForward', 'convBackwardData', 'convBackwardWeights', 'convImplementation',
  'channelSums', 'batchNormForward', 'batchNormBackward', 'batchMatMul', 'poolForward', 'poolBackward', 'frameDifferences',
];

const setupHint = 'run bash tools/setup.sh (it installs libdnnl-dev and builds packages/engine/native)';

/** Where the addon is loaded from: `$A2D_NATIVE_ADDON`, else node-gyp's output in packages/engine/native. */
export function nativeAddonPath(env: NodeJS.ProcessEnv = process.env): string {
  return env[nativeAddonPathVariable] || path.resolve(__dirname, '..', '..', 'native', 'build', 'Release', 'a2d_dnnl.node');
}

const loaded = new Map<string, NativeAddonLoad>();

/**
 * Makes OpenMP's idle threads sleep rather than spin (OMP_WAIT_POLICY=passive) unless the user chose a policy.
 * Between two convolutions the JS thread runs wasm kernels alone: spinning OpenMP threads would take cores from
 * it and from other workers, and on shared cores they stall oneDNN's own barriers (measured here: a small
 * convolution on 2 threads took 0.2-13 ms spinning, 0.05 ms sleeping). libgomp reads the variable once, when the
 * addon first loads in the process, and only the main thread's `process.env` reaches the real environment: call
 * this in the main thread before any worker loads the addon (`DataParallelTrainer` does).
 */
export function preferSleepingOpenMpThreads(): void {
  if (isMainThread && process.env.OMP_WAIT_POLICY === undefined) process.env.OMP_WAIT_POLICY = 'passive';
}

/** Loads the addon once per path and thread; never throws (see `NativeAddonLoad`). */
export function loadNativeAddon(env: NodeJS.ProcessEnv = process.env): NativeAddonLoad {
  const file = nativeAddonPath(env);
  let result = loaded.get(file);
  if (!result) {
    result = load(file);
    loaded.set(file, result);
  }
  return result;
}

function load(file: string): NativeAddonLoad {
  if (!existsSync(file)) return { path: file, reason: `the native addon is not built (no ${file}): ${setupHint}` };
  preferSleepingOpenMpThreads();
  const module: { exports: unknown } = { exports: {} };
  try {
    // dlopen rather than require: jest's module registry would otherwise wrap a .node file per spec file.
    process.dlopen(module, file);
  } catch (error) {
    const text = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    return { path: file, reason: `the native addon failed to load (${text}): ${setupHint}` };
  }
  const exports = module.exports as Partial<Record<keyof NativeAddon, unknown>>;
  const missing = exportedFunctions.filter((name) => typeof exports[name] !== 'function');
  if (missing.length) return { path: file, reason: `the native addon at ${file} is out of date (it lacks ${missing.join(', ')}): ${setupHint}` };
  return { path: file, addon: exports as NativeAddon };
}
