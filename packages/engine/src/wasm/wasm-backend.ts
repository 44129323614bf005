/**
 * The parts of tfjs's wasm backend our kernels use: the emscripten heap, the tensor-id registry of the
 * C++ side, and the exported C functions (XNNPACK matmul and convolution, transpose). tfjs does not
 * type these publicly, so this file is the one place that names them.
 */
import type { DataId, DataType, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';

/** Emscripten module of `@tensorflow/tfjs-backend-wasm` (plain or threaded build). */
export interface WasmRuntime {
  HEAPF32: Float32Array;
  HEAP32: Int32Array;
  /** Present on threaded builds, whose views must be refreshed after the shared memory grows. */
  wasmMemory?: { buffer: ArrayBufferLike };
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  cwrap(name: string, returnType: null | 'number', argTypes: readonly ('number' | 'array')[]): (...args: (number | boolean | Uint8Array)[]) => unknown;
  tfjs: {
    registerTensor(id: number, size: number, memoryOffset: number): void;
    disposeData(id: number): void;
    getThreadsCount(): number;
  };
}

/** The bookkeeping of one tensor in the wasm backend. */
export interface WasmTensorData {
  /** Id of the tensor on the C++ side (what exported kernels take). */
  id: number;
  /** Byte offset of its first element in the heap. */
  memoryOffset: number;
  shape: number[];
  dtype: DataType;
}

/** The members of tfjs's `BackendWasm` that our kernels call. */
export interface WasmBackend {
  wasm: WasmRuntime;
  dataIdMap: { get(dataId: DataId): WasmTensorData | undefined; delete(dataId: DataId): boolean };
  makeOutput(shape: number[], dtype: DataType, memoryOffset?: number): TensorInfo;
  disposeData(dataId: DataId, force?: boolean): boolean;
  incRef(dataId: DataId): void;
  numDataIds(): number;
}

/** Narrows the `backend` a kernel receives; throws when called with something that is not the wasm backend. */
export function asWasmBackend(backend: unknown, kernelName: string): WasmBackend {
  const candidate = backend as Partial<WasmBackend> | null;
  if (!candidate || typeof candidate.wasm?._malloc !== 'function' || typeof candidate.makeOutput !== 'function') {
    throw new Error(`${kernelName}: this kernel runs only on the tfjs wasm backend`);
  }
  return candidate as WasmBackend;
}

/**
 * A float32 view of `length` elements starting at float index `offset`, valid until the heap grows.
 * Kernels loop over such small views rather than the whole heap: V8 indexes a typed array whose
 * buffer exceeds 2 GiB markedly slower (measured 2.5x on a max-pool loop), and training grows the heap past that.
 */
export function f32Region(wasm: WasmRuntime, offset: number, length: number): Float32Array {
  return new Float32Array(heapBuffer(wasm), offset * 4, length);
}

/** A tensor's C++ id and float offset in the heap; throws naming the kernel when the wasm backend does not hold it. */
export function heapTensor(backend: WasmBackend, info: TensorInfo, kernelName: string): { id: number; offset: number } {
  const data = backend.dataIdMap.get(info.dataId);
  if (!data) throw new Error(`${kernelName} (wasm): tensor data not found on the wasm backend`);
  return { id: data.id, offset: data.memoryOffset >>> 2 };
}

/** A float32 view of the whole tensor `info` (see `f32Region`; `heapTensor` for the error). */
export function tensorRegion(backend: WasmBackend, info: TensorInfo, kernelName: string): Float32Array {
  return f32Region(backend.wasm, heapTensor(backend, info, kernelName).offset, info.shape.reduce((a, b) => a * b, 1));
}

/** An int32 view of `length` elements starting at int32 index `offset` (see `f32Region`). */
export function i32Region(wasm: WasmRuntime, offset: number, length: number): Int32Array {
  return new Int32Array(heapBuffer(wasm), offset * 4, length);
}

/** The heap's current buffer; growing the memory replaces it, so read it again after anything that may allocate. */
export function heapBuffer(wasm: WasmRuntime): ArrayBufferLike {
  return wasm.wasmMemory?.buffer ?? wasm.HEAPF32.buffer;
}

/** Exported C functions of the wasm binary, bound once per runtime. */
export interface WasmCalls {
  /** out[M,N] = a[M,K] x b[K,N] (XNNPACK fully-connected when unbatched and untransposed; b is packed per id). */
  batchMatMul(aId: number, aShape: Uint8Array, aRank: number, bId: number, bShape: Uint8Array, bRank: number, transposeA: boolean, transposeB: boolean, outId: number): void;
  /** XNNPACK NHWC convolution; the operator (packed filter) is cached per filter id until that id is disposed. */
  conv2d(
    xId: number, batch: number, inHeight: number, inWidth: number, filterId: number, filterHeight: number, filterWidth: number,
    padTop: number, padRight: number, padBottom: number, padLeft: number, isSamePad: number, dilationHeight: number,
    dilationWidth: number, strideHeight: number, strideWidth: number, inChannels: number, outChannels: number, outId: number,
  ): void;
  /** Generic transpose; dtype 0 = float32, 1 = int32. */
  transpose(xId: number, shape: Uint8Array, rank: number, dtype: number, outId: number, perm: Uint8Array, permLength: number): void;
}

const callsByRuntime = new WeakMap<WasmRuntime, WasmCalls>();

/** The bound C functions of `wasm` (bound lazily: kernels registered after backend start get no `setupFunc` call). */
export function wasmCalls(wasm: WasmRuntime): WasmCalls {
  let calls = callsByRuntime.get(wasm);
  if (!calls) {
    const n = 'number' as const;
    const a = 'array' as const;
    calls = {
      batchMatMul: wasm.cwrap('BatchMatMul', null, [n, a, n, n, a, n, n, n, n]) as WasmCalls['batchMatMul'],
      conv2d: wasm.cwrap('Conv2D', null, new Array<'number'>(19).fill(n)) as WasmCalls['conv2d'],
      transpose: wasm.cwrap('Transpose', null, [n, a, n, n, n, a, n]) as WasmCalls['transpose'],
    };
    callsByRuntime.set(wasm, calls);
  }
  return calls;
}

/** The bytes of an int32 array, as the C functions take shapes and permutations. */
export function int32Bytes(values: readonly number[]): Uint8Array {
  return new Uint8Array(new Int32Array(values).buffer);
}

/** The named inputs of a kernel call, each required; throws naming the kernel and the missing input. */
export function kernelInputs<Name extends string>(inputs: NamedTensorInfoMap, names: readonly Name[], kernelName: string): Record<Name, TensorInfo> {
  const out = {} as Record<Name, TensorInfo>;
  for (const name of names) {
    const info = inputs[name];
    if (!info) throw new Error(`${kernelName} (wasm): missing input '${name}'`);
    out[name] = info;
  }
  return out;
}
