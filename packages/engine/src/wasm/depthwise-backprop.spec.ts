import * as tf from '@tensorflow/tfjs';
import { Rng } from '@a2d/core';
import { normalValues, relativeError, startCpuAndWasm, valuesOn } from '../testing/backend-pair';
import { compareBackpropPair, depthwiseBackpropPair, describeConv2DCase, type Conv2DCase } from '../testing/backprop-kernel-pair';

const cases: Conv2DCase[] = [
  { x: [1, 7, 9, 1], filter: [3, 3, 1, 1], strides: [1, 1], pad: 'same' },
  { x: [2, 9, 11, 3], filter: [3, 3, 3, 2], strides: [2, 2], pad: 'same' },
  { x: [1, 5, 7, 70], filter: [3, 3, 70, 1], strides: [2, 2], pad: 'valid' },
  { x: [3, 6, 5, 4], filter: [5, 3, 4, 3], strides: [1, 2], pad: 'same' },
  { x: [1, 9, 9, 2], filter: [3, 3, 2, 1], strides: [2, 2], pad: [[0, 0], [2, 0], [1, 2], [0, 0]] },
  { x: [2, 8, 8, 65], filter: [3, 3, 65, 2], strides: [2, 2], pad: 'same' },
];

describe('wasm DepthwiseConv2dNativeBackpropFilter / DepthwiseConv2dNativeBackpropInput', () => {
  beforeAll(startCpuAndWasm);

  it.each(cases.map((c) => [describeConv2DCase(c), c] as const))('match cpu: %s', async (_label, c) => {
    const { filterError, inputError, leaks } = await compareBackpropPair(describeConv2DCase(c), depthwiseBackpropPair(c));
    expect(filterError).toBeLessThanOrEqual(1e-4);
    expect(inputError).toBeLessThanOrEqual(1e-4);
    expect(leaks).toEqual({ tensors: 0, dataIds: 0, heapBlocks: 0 });
  });

  it('gives tf.grads of a depthwise convolution the same values as cpu', async () => {
    const rng = new Rng('depthwise-grads');
    const xValues = normalValues(rng, 2 * 7 * 6 * 3);
    const filterValues = normalValues(rng, 3 * 3 * 3 * 2);
    const grads = () =>
      tf.grads((x: tf.Tensor, f: tf.Tensor) => tf.sum(tf.square(tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, 2, 'same'))))([
        tf.tensor4d(xValues, [2, 7, 6, 3]),
        tf.tensor4d(filterValues, [3, 3, 3, 2]),
      ]);
    const expected = await valuesOn('cpu', grads);
    const actual = await valuesOn('wasm', grads);
    expected.forEach((values, i) => expect(relativeError(actual[i], values)).toBeLessThanOrEqual(1e-4));
  });

  it('rejects dilations above 1 with the attribute in the message', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([1, 5, 5, 2]);
    const dy = tf.zeros([1, 5, 5, 2]);
    expect(() =>
      tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { strides: 1, pad: 'same', dilations: [2, 2], filterShape: [3, 3, 2, 1] }),
    ).toThrow(/dilations \[2,2\] are not supported/);
    tf.dispose([x, dy]);
  });
});
