import * as tf from '@tensorflow/tfjs';
import { startCpuAndWasm, wasmLeaksOf } from '../testing/backend-pair';
import type { WasmBackend } from './wasm-backend';

describe('wasm Identity', () => {
  beforeAll(startCpuAndWasm);

  it('shares the heap block of its input (no copy) and keeps it alive until both are disposed', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as WasmBackend;
    const x = tf.tensor2d([[1, 2], [3, 4]]);
    const idsBefore = backend.numDataIds();
    const y = tf.clone(x);
    expect(backend.numDataIds()).toBe(idsBefore);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4]);
    y.dispose();
    expect(backend.numDataIds()).toBe(idsBefore - 1);
  });

  it('leaves no tensors, data ids or heap blocks behind', async () => {
    expect(await wasmLeaksOf(() => tf.clone(tf.ones([3, 5])))).toEqual({ tensors: 0, dataIds: 0, heapBlocks: 0 });
  });
});
