import * as tf from '@tensorflow/tfjs';
import { startCpuAndWasm } from '../testing/backend-pair';
import { compareBackpropPair } from '../testing/backprop-kernel-pair';

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
    const { filterError, inputError, leaks } = await compareBackpropPair(describeCase(c), {
      filterKernel: 'Conv3DBackpropFilterV2',
      inputKernel: 'Conv3DBackpropInputV2',
      xShape: c.x,
      filterShape: c.filter,
      dyShape: tf.backend_util.computeConv3DInfo(c.x, c.filter, c.strides, 1, c.pad).outShape,
      attrs: { strides: c.strides, pad: c.pad },
    });
    expect(filterError).toBeLessThanOrEqual(1e-4);
    expect(inputError).toBeLessThanOrEqual(1e-4);
    expect(leaks).toEqual({ tensors: 0, dataIds: 0, heapBlocks: 0 });
  });
});
