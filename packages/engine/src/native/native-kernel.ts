/**
 * What every native kernel shares: its registration for the `wasm` tfjs backend around the wasm kernel it
 * replaces (which still runs whatever oneDNN is not given: another layout or dtype, prelu, an unusual bias), and
 * the three addon calls with their outputs allocated in the wasm heap by the backend.
 */
import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import { asWasmBackend, heapBuffer, type WasmBackend } from '../wasm/wasm-backend';
import type { NativeAddon } from './native-addon';
import { NativeKernelError } from './native-kernel-error';

/** The arguments tfjs passes a kernel, with the backend narrowed to wasm. */
export interface NativeKernelArgs {
  inputs: NamedTensorInfoMap;
  attrs: NamedAttrMap;
  backend: WasmBackend;
  addon: NativeAddon;
}

/** One kernel: computes natively and returns the output(s), or returns undefined to let the wasm kernel run. */
export interface NativeKernel {
  kernelName: string;
  run(args: NativeKernelArgs): TensorInfo | TensorInfo[] | undefined;
}

/** The `wasm` registration of `kernel` over `fallback` (the wasm kernel of the same name, whose setup it keeps). */
export function nativeKernelConfig(kernel: NativeKernel, addon: NativeAddon, fallback: KernelConfig): KernelConfig {
  const kernelFunc: KernelConfig['kernelFunc'] = (args) => {
    const backend = asWasmBackend(args.backend, kernel.kernelName);
    let out: TensorInfo | TensorInfo[] | undefined;
    try {
      out = heapUsable(backend) ? kernel.run({ inputs: args.inputs, attrs: args.attrs ?? {}, backend, addon }) : undefined;
    } catch (error) {
      if (error instanceof NativeKernelError) throw error;
      // The addon's errors may come from another realm (jest's module sandbox): read the message, not the class.
      const message = (error as { message?: unknown } | null)?.message;
      throw new NativeKernelError(kernel.kernelName, typeof message === 'string' ? message : String(error));
    }
    return out ?? fallback.kernelFunc(args);
  };
  return { kernelName: kernel.kernelName, backendName: 'wasm', kernelFunc, setupFunc: fallback.setupFunc, disposeFunc: fallback.disposeFunc };
}

/** Whether every tensor is float32 (the only dtype the addon takes). */
export function allFloat32(...tensors: TensorInfo[]): boolean {
  return tensors.every((t) => t.dtype === 'float32');
}

/** The heap buffer when the addon can take it (a plain ArrayBuffer; a threaded wasm build's shared memory is not one). */
function addonHeap(backend: WasmBackend): ArrayBuffer | undefined {
  const buffer = heapBuffer(backend.wasm);
  return Object.prototype.toString.call(buffer) === '[object ArrayBuffer]' ? (buffer as ArrayBuffer) : undefined;
}

/** Whether the addon can work on this backend's heap. */
export function heapUsable(backend: WasmBackend): boolean {
  return addonHeap(backend) !== undefined;
}

function byteOffset(backend: WasmBackend, info: TensorInfo, kernelName: string): number {
  const data = backend.dataIdMap.get(info.dataId);
  if (!data) throw new NativeKernelError(kernelName, 'tensor data not found on the wasm backend');
  return data.memoryOffset;
}

/**
 * Allocates the float32 output `shape`, then calls `compute` with the heap (read after the allocation, which
 * may grow and so replace it) and a byte-offset lookup; frees the output if `compute` throws.
 */
export function withOutput(
  backend: WasmBackend,
  kernelName: string,
  shape: number[],
  compute: (heap: ArrayBuffer, offset: (info: TensorInfo) => number, out: number) => void,
): TensorInfo {
  const [out] = withOutputs(backend, kernelName, [shape], (heap, offset, [outOffset]) => compute(heap, offset, outOffset));
  return out;
}

/** `withOutput` for several float32 outputs, allocated (in order) before the heap is read. */
export function withOutputs(
  backend: WasmBackend,
  kernelName: string,
  shapes: number[][],
  compute: (heap: ArrayBuffer, offset: (info: TensorInfo) => number, outs: number[]) => void,
): TensorInfo[] {
  const outs: TensorInfo[] = [];
  try {
    for (const shape of shapes) outs.push(backend.makeOutput(shape, 'float32'));
    // Read after the allocations, which may grow (and so replace) the heap.
    const { heap, offset } = nativeHeap(backend, kernelName);
    compute(heap, offset, outs.map(offset));
  } catch (error) {
    for (const out of outs) backend.disposeData(out.dataId, true);
    throw error;
  }
  return outs;
}

/** The wasm heap the addon works on, for calls that allocate nothing (throws when it is not a plain ArrayBuffer). */
export function nativeHeap(backend: WasmBackend, kernelName: string): { heap: ArrayBuffer; offset: (info: TensorInfo) => number } {
  const heap = addonHeap(backend);
  if (!heap) throw new NativeKernelError(kernelName, 'the wasm heap is not a plain ArrayBuffer');
  return { heap, offset: (info: TensorInfo) => byteOffset(backend, info, kernelName) };
}
