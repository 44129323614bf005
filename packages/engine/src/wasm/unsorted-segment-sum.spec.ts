import * as tf from '@tensorflow/tfjs';
import { Rng } from '@a2d/core';
import { normalValues, relativeError, startCpuAndWasm, valuesOn, wasmLeaksOf } from '../testing/backend-pair';

describe('wasm UnsortedSegmentSum', () => {
  beforeAll(startCpuAndWasm);

  it.each([
    ['1-d ids, float rows, ids out of range dropped', [7, 5], [7], 4],
    ['more than 64 columns, one segment', [9, 70], [9], 1],
  ] as const)('matches cpu: %s', async (_label, xShape, idShape, numSegments) => {
    const rng = new Rng(`segment-sum/${xShape.join('x')}`);
    const xValues = normalValues(rng, xShape[0] * xShape[1]);
    const ids = Int32Array.from({ length: idShape[0] }, () => rng.int(-1, numSegments));
    const kernel = () => tf.unsortedSegmentSum(tf.tensor2d(xValues, [xShape[0], xShape[1]]), tf.tensor1d(ids, 'int32'), numSegments);
    const [expected] = await valuesOn('cpu', kernel);
    const [actual] = await valuesOn('wasm', kernel);
    expect(relativeError(actual, expected)).toBeLessThanOrEqual(1e-6);
    expect(await wasmLeaksOf(kernel)).toEqual({ tensors: 0, dataIds: 0, heapBlocks: 0 });
  });

  it('sums int32 rows exactly', async () => {
    await tf.setBackend('wasm');
    const out = tf.unsortedSegmentSum(tf.tensor2d([[1, 2], [3, 4], [5, 6]], [3, 2], 'int32'), tf.tensor1d([1, 0, 1], 'int32'), 2);
    expect(out.dtype).toBe('int32');
    expect(Array.from(out.dataSync())).toEqual([3, 4, 6, 8]);
    out.dispose();
  });

  it('trains an embedding table: the gradient of gather matches cpu', async () => {
    const rng = new Rng('gather-grad');
    const table = normalValues(rng, 10 * 6);
    const weights = normalValues(rng, 8 * 6);
    const indices = Int32Array.from({ length: 8 }, () => rng.int(0, 9));
    const grads = () =>
      tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, tf.tensor1d(indices, 'int32')), tf.tensor2d(weights, [8, 6]))))(tf.tensor2d(table, [10, 6]));
    const [expected] = await valuesOn('cpu', grads);
    const [actual] = await valuesOn('wasm', grads);
    expect(relativeError(actual, expected)).toBeLessThanOrEqual(1e-6);
  });
});
