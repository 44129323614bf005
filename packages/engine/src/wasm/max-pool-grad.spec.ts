import * as tf from '@tensorflow/tfjs';
import { Rng } from '@a2d/core';
import { normalValues, relativeError, startCpuAndWasm, valuesOn, wasmLeaksOf } from '../testing/backend-pair';

describe('wasm MaxPoolGrad', () => {
  beforeAll(startCpuAndWasm);

  it.each([
    ['3x3 stride 2 same, 64 channels (the ResNet stem)', [2, 12, 12, 64], 3, 2, 'same'],
    ['2x2 stride 2 valid, odd size, 1 channel', [1, 9, 7, 1], 2, 2, 'valid'],
    ['3x3 stride 1 same, 3 channels', [3, 5, 6, 3], 3, 1, 'same'],
  ] as const)('matches cpu: %s', async (_label, shape, filterSize, strides, pad) => {
    const rng = new Rng(`max-pool/${shape.join('x')}`);
    const xValues = normalValues(rng, tf.util.sizeFromShape([...shape]));
    const grad = () => tf.grad((x: tf.Tensor) => tf.sum(tf.square(tf.maxPool(x as tf.Tensor4D, filterSize, strides, pad))))(tf.tensor4d(xValues, [...shape]));
    const [expected] = await valuesOn('cpu', grad);
    const [actual] = await valuesOn('wasm', grad);
    expect(relativeError(actual, expected)).toBeLessThanOrEqual(1e-6);
    expect(await wasmLeaksOf(grad)).toEqual({ tensors: 0, dataIds: 0, heapBlocks: 0 });
  });
});
