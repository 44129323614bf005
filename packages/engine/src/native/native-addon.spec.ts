import * as tf from '@tensorflow/tfjs';
import { describeNative, startCpuAndNative } from '../testing/native-specs';
import type { WasmBackend, WasmTensorData } from '../wasm/wasm-backend';
import type { NativeAddon } from './native-addon';
import { NativeKernelError } from './native-kernel-error';

// x [1, 3, 3, 1] * filter [2, 2, 1, 1], valid: the addon's params layout (see native/src/conv.cc).
const params = () => new Int32Array([1, 3, 3, 1, 2, 2, 1, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 1, 0]);

describeNative('the native addon', () => {
  let addon: NativeAddon;
  beforeAll(async () => {
    addon = await startCpuAndNative();
  });

  it('reports oneDNN on OpenMP and sets the thread count of this thread', () => {
    const info = addon.info();
    expect(info).toMatchObject({ dnnlVersion: expect.stringMatching(/^\d+\.\d+\.\d+$/), cpuRuntime: 'omp', planCapacity: 64 });
    expect(addon.setThreads(1)).toBe(1);
    expect(addon.info().threads).toBe(1);
    expect(addon.setThreads(0)).toBe(info.cores);
    expect(() => addon.setThreads(-1)).toThrow(/expected 0 \(every core\) or a positive count/);
  });

  it('computes in place in the ArrayBuffer it is given, and refuses regions outside it or malformed params', () => {
    const heap = new ArrayBuffer(256);
    const f32 = new Float32Array(heap);
    f32.set([1, 2, 3, 4, 5, 6, 7, 8, 9], 0);
    f32.set([1, 1, 1, 1], 16);
    addon.convForward(heap, params(), 0, 0, 64, 0, 128);
    expect(Array.from(f32.subarray(32, 36))).toEqual([12, 16, 24, 28]);
    expect(() => addon.convForward(heap, params(), 0, 0, 64, 0, 250)).toThrow(/output \[250.*lies outside the heap of 256 bytes/);
    expect(() => addon.convForward(heap, params(), 0, 0, 66, 0, 128)).toThrow(/filter/);
    expect(() => addon.convForward(heap, params().subarray(1), 0, 0, 64, 0, 128)).toThrow(/params must hold 21 values/);
    expect(() => addon.convForward(new Float32Array(heap) as unknown as ArrayBuffer, params(), 0, 0, 64, 0, 128)).toThrow(/heap must be an ArrayBuffer/);
    expect(addon.convImplementation('forward', params())).toMatch(/avx|sse|gemm|ref/);
  });

  it('turns a failing call into NativeKernelError naming the kernel, freeing its output', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as WasmBackend;
    const x = tf.ones([1, 3, 3, 1]);
    const filter = tf.ones([2, 2, 1, 1]);
    // The same backend, except that it places x beyond the end of the heap.
    const map = new Proxy(backend.dataIdMap, {
      get(target, property) {
        if (property === 'get') {
          return (dataId: object) => {
            const data = target.get(dataId);
            return dataId === x.dataId && data ? ({ ...data, memoryOffset: 2 ** 31 } satisfies WasmTensorData) : data;
          };
        }
        const value: unknown = Reflect.get(target, property);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const shifted = new Proxy(backend, { get: (target, property, receiver) => (property === 'dataIdMap' ? map : Reflect.get(target, property, receiver)) });
    const ids = backend.numDataIds();
    const kernel = tf.getKernel('Conv2D', 'wasm');
    const call = () => kernel?.kernelFunc({ inputs: { x, filter }, backend: shifted as unknown as tf.KernelBackend, attrs: { strides: 1, pad: 'valid', dataFormat: 'NHWC', dilations: 1 } });
    expect(call).toThrow(NativeKernelError);
    expect(call).toThrow(/^Conv2D \(native\): a2d_dnnl: x \[2147483648.*lies outside the heap/);
    expect(backend.numDataIds()).toBe(ids);
    tf.dispose([x, filter]);
  });
});
