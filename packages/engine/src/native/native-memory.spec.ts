import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@a2d/core';
import { normalValues } from '../testing/backend-pair';
import { describeNative, startCpuAndNative } from '../testing/native-specs';
import type { WasmBackend } from '../wasm/wasm-backend';
import type { NativeAddon } from './native-addon';

/** V8's full collection (flags are process-wide; the function comes from a fresh context). */
function collectGarbage(): void {
  setFlagsFromString('--expose_gc');
  (runInNewContext('gc') as () => void)();
}

const MiB = 1024 * 1024;

/** After 300 warm-up calls, 1,000 more of `call` keep tensors and wasm data ids constant and RSS within 4 MiB. */
function expectFlatOver1000Calls(call: (i: number) => void): void {
  const backend = tf.backend() as unknown as WasmBackend;
  for (let i = 0; i < 300; i++) call(i);
  collectGarbage();
  const tensors = tf.memory().numTensors;
  const dataIds = backend.numDataIds();
  const rss = process.memoryUsage().rss;
  for (let i = 0; i < 1000; i++) {
    call(i);
    if (i % 100 === 99) {
      expect(tf.memory().numTensors).toBe(tensors);
      expect(backend.numDataIds()).toBe(dataIds);
    }
  }
  collectGarbage();
  expect((process.memoryUsage().rss - rss) / MiB).toBeLessThan(4);
}

describeNative('native kernels and memory', () => {
  let addon: NativeAddon;
  beforeAll(async () => {
    addon = await startCpuAndNative();
    await tf.setBackend('wasm');
  });

  it('leaves tensors, wasm data ids and RSS flat over 1,000 convolution calls (forward and both gradients)', () => {
    const rng = new Rng('native-memory');
    const x = tf.tensor4d(normalValues(rng, 2 * 17 * 15 * 24), [2, 17, 15, 24]);
    const filter = tf.tensor4d(normalValues(rng, 3 * 3 * 24 * 20), [3, 3, 24, 20]);
    const dy = tf.tensor4d(normalValues(rng, 2 * 9 * 8 * 20), [2, 9, 8, 20]);
    const attrs = { strides: 2, pad: 'same', dataFormat: 'NHWC', dilations: 1 } as const;
    const call = (i: number) => {
      const out =
        i % 3 === 0
          ? (tf.engine().runKernel('Conv2D', { x, filter }, attrs) as tf.Tensor)
          : i % 3 === 1
            ? (tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { ...attrs, inputShape: x.shape }) as tf.Tensor)
            : (tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: filter.shape }) as tf.Tensor);
      out.dispose();
    };
    expectFlatOver1000Calls(call);
    tf.dispose([x, filter, dy]);
  });

  it('leaves tensors, wasm data ids and RSS flat over 1,000 calls of the other native kernels (matmul, pooling, batch norm)', () => {
    const rng = new Rng('native-memory/others');
    const x = tf.tensor4d(normalValues(rng, 2 * 17 * 15 * 24), [2, 17, 15, 24]);
    const a = tf.tensor3d(normalValues(rng, 6 * 9 * 13), [6, 9, 13]);
    const b = tf.tensor3d(normalValues(rng, 6 * 11 * 13), [6, 11, 13]);
    const channel = tf.tensor1d(normalValues(rng, 24).map((v) => 1 + 0.1 * Math.abs(v)));
    const pool: tf.NamedAttrMap = { filterSize: 3, strides: 2, pad: 'same' };
    const call = (i: number) => {
      const kind = i % 6;
      const run = (name: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap = {}) => {
        const out = tf.engine().runKernel(name, inputs, attrs);
        tf.dispose(out as tf.Tensor | tf.Tensor[]);
      };
      if (kind === 0) run('BatchMatMul', { a, b }, { transposeA: false, transposeB: true });
      else if (kind === 1) run('MaxPool', { x }, pool);
      else if (kind === 2) {
        const y = tf.engine().runKernel('MaxPool', { x }, pool) as tf.Tensor;
        run('MaxPoolGrad', { dy: y, input: x, output: y }, pool);
        y.dispose();
      } else if (kind === 3) run('A2dChannelMoments', { x });
      else if (kind === 4) run('FusedBatchNorm', { x, mean: channel, variance: channel, offset: channel, scale: channel }, { varianceEpsilon: 1e-3 });
      else run('A2dBatchNormGrad', { x, dy: x, mean: channel, variance: channel, scale: channel }, { varianceEpsilon: 1e-3 });
    };
    expectFlatOver1000Calls(call);
    tf.dispose([x, a, b, channel]);
  });

  it('keeps at most planCapacity compiled plans however many shapes it sees', () => {
    addon.clearPlans();
    const capacity = addon.info().planCapacity;
    for (let width = 1; width <= capacity + 16; width++) {
      tf.tidy(() => tf.conv2d(tf.ones([1, 3, width, 2]) as tf.Tensor4D, tf.ones([1, 1, 2, 3]) as tf.Tensor4D, 1, 'valid').dataSync());
    }
    expect(addon.cachedPlans()).toBe(capacity);
  });
});
