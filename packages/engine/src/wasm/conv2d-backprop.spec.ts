import * as tf from '@tensorflow/tfjs';
import { Rng } from '@a2d/core';
import { normalValues, relativeError, startCpuAndWasm, valuesOn } from '../testing/backend-pair';
import { compareBackpropPair, conv2dBackpropPair, describeConv2DCase, type Conv2DCase, type Conv2DCasePad } from '../testing/backprop-kernel-pair';

function outputShape(c: Conv2DCase): [number, number, number, number] {
  return tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad).outShape;
}

/** Random shapes: odd sizes, stride 1-3, filters 1-5 (never larger than the padded input), every padding kind. */
function randomCases(rng: Rng, count: number): Conv2DCase[] {
  const cases: Conv2DCase[] = [];
  while (cases.length < count) {
    const h = rng.int(1, 11);
    const w = rng.int(1, 11);
    const fh = rng.int(1, Math.min(5, h + 2));
    const fw = rng.int(1, Math.min(5, w + 2));
    const kind = rng.pick(['same', 'valid', 'explicit'] as const);
    const pad: Conv2DCasePad = kind === 'explicit' ? [[0, 0], [rng.int(0, 2), rng.int(0, 2)], [rng.int(0, 2), rng.int(0, 2)], [0, 0]] : kind;
    const c: Conv2DCase = { x: [rng.int(1, 3), h, w, rng.int(1, 6)], filter: [fh, fw, 0, rng.int(1, 6)], strides: [rng.int(1, 3), rng.int(1, 3)], pad };
    c.filter[2] = c.x[3];
    if (outputShape(c).every((d) => d > 0)) cases.push(c);
  }
  return cases;
}

const edgeCases: Conv2DCase[] = [
  { x: [1, 7, 9, 1], filter: [3, 3, 1, 1], strides: [1, 1], pad: 'same' },
  { x: [1, 9, 11, 3], filter: [3, 3, 3, 5], strides: [2, 2], pad: 'same' },
  { x: [2, 8, 8, 4], filter: [3, 3, 4, 6], strides: [2, 2], pad: 'same' },
  { x: [1, 5, 7, 70], filter: [3, 3, 70, 3], strides: [2, 2], pad: 'valid' },
  { x: [2, 5, 5, 3], filter: [3, 1, 3, 67], strides: [1, 2], pad: 'same' },
  { x: [1, 6, 6, 4], filter: [1, 1, 4, 8], strides: [2, 2], pad: 'valid' },
  { x: [1, 13, 11, 2], filter: [7, 7, 2, 4], strides: [2, 2], pad: 'same' },
  { x: [1, 10, 9, 2], filter: [2, 2, 2, 3], strides: [3, 3], pad: 'valid' },
  { x: [1, 9, 9, 2], filter: [3, 3, 2, 2], strides: [2, 2], pad: [[0, 0], [2, 0], [1, 2], [0, 0]] },
  { x: [1, 3, 3, 2], filter: [5, 5, 2, 2], strides: [1, 1], pad: [[0, 0], [2, 2], [2, 2], [0, 0]] },
];

const cases = [...edgeCases, ...randomCases(new Rng('conv2d-backprop-cases'), 12)];

describe('wasm Conv2DBackpropFilter / Conv2DBackpropInput', () => {
  beforeAll(startCpuAndWasm);

  it.each(cases.map((c) => [describeConv2DCase(c), c] as const))('match cpu: %s', async (_label, c) => {
    const { filterError, inputError, leaks } = await compareBackpropPair(describeConv2DCase(c), conv2dBackpropPair(c));
    expect(filterError).toBeLessThanOrEqual(1e-4);
    expect(inputError).toBeLessThanOrEqual(1e-4);
    expect(leaks).toEqual({ tensors: 0, dataIds: 0, heapBlocks: 0 });
  });

  it('gives tf.grads of a strided convolution the same values as cpu', async () => {
    const rng = new Rng('conv2d-grads');
    const xShape: [number, number, number, number] = [2, 9, 7, 5];
    const filterShape: [number, number, number, number] = [3, 3, 5, 4];
    const xValues = normalValues(rng, tf.util.sizeFromShape(xShape));
    const filterValues = normalValues(rng, tf.util.sizeFromShape(filterShape));
    const weightValues = normalValues(rng, 2 * 5 * 4 * 4);
    const grads = () => {
      const loss = (x: tf.Tensor, f: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 2, 'same'), tf.tensor4d(weightValues, [2, 5, 4, 4])));
      return tf.grads(loss)([tf.tensor4d(xValues, xShape), tf.tensor4d(filterValues, filterShape)]);
    };
    const expected = await valuesOn('cpu', grads);
    const actual = await valuesOn('wasm', grads);
    expected.forEach((values, i) => expect(relativeError(actual[i], values)).toBeLessThanOrEqual(1e-4));
  });

  it('rejects NCHW with a message naming the layout to use', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([1, 2, 4, 4]);
    const dy = tf.zeros([1, 3, 4, 4]);
    expect(() =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 2, 3] }),
    ).toThrow(/NCHW is not supported, use NHWC/);
    tf.dispose([x, dy]);
  });
});
