import * as tf from '@tensorflow/tfjs';
import { Rng } from '@a2d/core';
import { normalValues, relativeError, startCpuAndWasm, valuesOn, wasmLeaksOf } from '../testing/backend-pair';

interface Case {
  x: [number, number, number, number, number];
  filter: [number, number, number, number, number];
  strides: [number, number, number];
  pad: 'same' | 'valid';
}

const cases: Case[] = [
  { x: [1, 3, 5, 5, 1], filter: [3, 3, 3, 1, 2], strides: [1, 1, 1], pad: 'same' },
  { x: [2, 5, 7, 6, 3], filter: [3, 3, 3, 3, 4], strides: [2, 2, 2], pad: 'same' },
  { x: [1, 4, 5, 7, 2], filter: [1, 3, 3, 2, 3], strides: [1, 2, 2], pad: 'valid' },
  { x: [1, 3, 4, 4, 66], filter: [2, 2, 2, 66, 2], strides: [2, 2, 2], pad: 'valid' },
];

function describeCase(c: Case): string {
  return `x ${c.x.join('x')} filter ${c.filter.join('x')} strides ${c.strides.join(',')} pad ${c.pad}`;
}

describe('wasm Conv3DBackpropFilterV2 / Conv3DBackpropInputV2 (override wasm ones that are wrong for strides > 1)', () => {
  beforeAll(startCpuAndWasm);

  it.each(cases.map((c) => [describeCase(c), c] as const))('match cpu: %s', async (_label, c) => {
    const rng = new Rng(describeCase(c));
    const dyShape = tf.backend_util.computeConv3DInfo(c.x, c.filter, c.strides, 1, c.pad).outShape;
    const xValues = normalValues(rng, tf.util.sizeFromShape(c.x));
    const filterValues = normalValues(rng, tf.util.sizeFromShape(c.filter));
    const dyValues = normalValues(rng, tf.util.sizeFromShape(dyShape));
    const kernels = () => {
      const x = tf.tensor5d(xValues, c.x);
      const filter = tf.tensor5d(filterValues, c.filter);
      const dy = tf.tensor5d(dyValues, dyShape);
      return [
        tf.engine().runKernel('Conv3DBackpropFilterV2', { x, dy }, { strides: c.strides, pad: c.pad, filterShape: c.filter }) as tf.Tensor,
        tf.engine().runKernel('Conv3DBackpropInputV2', { dy, filter }, { strides: c.strides, pad: c.pad, inputShape: c.x }) as tf.Tensor,
      ];
    };
    const expected = await valuesOn('cpu', kernels);
    const actual = await valuesOn('wasm', kernels);
    expect(relativeError(actual[0], expected[0])).toBeLessThanOrEqual(1e-4);
    expect(relativeError(actual[1], expected[1])).toBeLessThanOrEqual(1e-4);
    expect(await wasmLeaksOf(kernels)).toEqual({ tensors: 0, dataIds: 0, heapBlocks: 0 });
  });
});
