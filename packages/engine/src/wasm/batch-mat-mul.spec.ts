import * as tf from '@tensorflow/tfjs';
import { Rng } from '@a2d/core';
import { normalValues, relativeError, startCpuAndWasm, valuesOn, wasmLeaksOf } from '../testing/backend-pair';

type Shape = readonly number[];

/** tf.matMul of seeded a and b (values drawn from the label), as a function to run on each backend. */
function product(label: string, aShape: Shape, bShape: Shape, transposeA: boolean, transposeB: boolean): () => tf.Tensor {
  const rng = new Rng(`batch-mat-mul/${label}`);
  const aValues = normalValues(rng, tf.util.sizeFromShape([...aShape]));
  const bValues = normalValues(rng, tf.util.sizeFromShape([...bShape]));
  return () => tf.matMul(tf.tensor(aValues, [...aShape]), tf.tensor(bValues, [...bShape]), transposeA, transposeB);
}

const transposes = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;

/** Stored shape of an operand whose product shape is [...batch, rows, cols]. */
function stored(batch: Shape, rows: number, cols: number, transposed: boolean): number[] {
  return transposed ? [...batch, cols, rows] : [...batch, rows, cols];
}

describe('wasm BatchMatMul', () => {
  beforeAll(startCpuAndWasm);

  // [a batch dims, b batch dims, m, k, n]: odd sizes, one item, many items, and broadcast batches.
  const shapes: readonly [string, Shape, Shape, number, number, number][] = [
    ['rank 2', [], [], 7, 13, 5],
    ['rank 2, more than one tile', [], [], 37, 70, 33],
    ['batch 1', [1], [1], 9, 6, 11],
    ['batch 3', [3], [3], 5, 7, 9],
    ['b shared by a batch of 3 (rank 2 b)', [3], [], 5, 7, 4],
    ['b shared by a 2x3 batch (b batch 1)', [2, 3], [1], 3, 5, 6],
    ['a shared by a batch of 4', [1], [4], 5, 7, 6],
    ['4-d a, 3-d b', [2, 3], [3], 4, 5, 3],
  ];

  describe.each(shapes)('%s', (label, aBatch, bBatch, m, k, n) => {
    it.each(transposes)('matches cpu with transposeA=%s transposeB=%s, leaking nothing', async (transposeA, transposeB) => {
      const kernel = product(`${label}/${transposeA}/${transposeB}`, stored(aBatch, m, k, transposeA), stored(bBatch, k, n, transposeB), transposeA, transposeB);
      const [expected] = await valuesOn('cpu', kernel);
      const [actual] = await valuesOn('wasm', kernel);
      expect(relativeError(actual, expected)).toBeLessThanOrEqual(1e-4);
      expect(await wasmLeaksOf(kernel)).toEqual({ tensors: 0, dataIds: 0, heapBlocks: 0 });
    });
  });

  it.each(transposes)('broadcasts [2,1] against [1,3] batches (transposeA=%s transposeB=%s) like explicitly tiled operands', async (transposeA, transposeB) => {
    // cpu's BatchMatMul indexes items modulo the batch size, which is wrong here, so the reference tiles first.
    const rng = new Rng(`batch-mat-mul/cross-broadcast/${transposeA}/${transposeB}`);
    const aShape = stored([2, 1], 4, 6, transposeA);
    const bShape = stored([1, 3], 6, 5, transposeB);
    const aValues = normalValues(rng, tf.util.sizeFromShape(aShape));
    const bValues = normalValues(rng, tf.util.sizeFromShape(bShape));
    const broadcast = () => tf.matMul(tf.tensor(aValues, aShape), tf.tensor(bValues, bShape), transposeA, transposeB);
    const tiled = () => tf.matMul(tf.tile(tf.tensor(aValues, aShape), [1, 3, 1, 1]), tf.tile(tf.tensor(bValues, bShape), [2, 1, 1, 1]), transposeA, transposeB);
    const [expected] = await valuesOn('cpu', tiled);
    const [actual] = await valuesOn('wasm', broadcast);
    expect(relativeError(actual, expected)).toBeLessThanOrEqual(1e-4);
    expect(await wasmLeaksOf(broadcast)).toEqual({ tensors: 0, dataIds: 0, heapBlocks: 0 });
  });

  it('gives zeros when the inner dimension is empty, and an empty result for an empty batch', async () => {
    await tf.setBackend('wasm');
    const zeros = tf.matMul(tf.zeros([2, 0]), tf.zeros([0, 3]));
    expect(zeros.shape).toEqual([2, 3]);
    expect(Array.from(zeros.dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
    const empty = tf.matMul(tf.zeros([0, 2, 4]), tf.zeros([0, 4, 3]));
    expect(empty.shape).toEqual([0, 2, 3]);
    tf.dispose([zeros, empty]);
  });

  it('uses each call\'s operands: a batched product with new b values is not served stale packed weights', async () => {
    const first = product('stale/1', [4, 3, 5], [4, 5, 2], false, false);
    const second = product('stale/2', [4, 3, 5], [4, 5, 2], false, false);
    const expected = [...(await valuesOn('cpu', first)), ...(await valuesOn('cpu', second))];
    const actual = [...(await valuesOn('wasm', first)), ...(await valuesOn('wasm', second))];
    expect(relativeError(actual[0], expected[0])).toBeLessThanOrEqual(1e-4);
    expect(relativeError(actual[1], expected[1])).toBeLessThanOrEqual(1e-4);
  });

  it.each([
    ['a dense layer (rank 2)', [21, 10], [10, 6]],
    ['a batched product (attention scores)', [3, 7, 10], [3, 10, 6]],
  ] as const)('gives %s the same gradients as cpu, leaking nothing', async (label, xShape, wShape) => {
    // Both gradients are transposed products (dx = dy w^T, dw = x^T dy).
    const rng = new Rng(`batch-mat-mul/grad/${label}`);
    const xValues = normalValues(rng, tf.util.sizeFromShape([...xShape]));
    const wValues = normalValues(rng, tf.util.sizeFromShape([...wShape]));
    const dyShape = [...xShape.slice(0, -1), wShape[wShape.length - 1]];
    const dyValues = normalValues(rng, tf.util.sizeFromShape(dyShape));
    const grads = () =>
      tf.grads((x: tf.Tensor, w: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, w), tf.tensor(dyValues, dyShape))))([
        tf.tensor(xValues, [...xShape]),
        tf.tensor(wValues, [...wShape]),
      ]);
    const expected = await valuesOn('cpu', grads);
    const actual = await valuesOn('wasm', grads);
    expect(relativeError(actual[0], expected[0])).toBeLessThanOrEqual(1e-4);
    expect(relativeError(actual[1], expected[1])).toBeLessThanOrEqual(1e-4);
    expect(await wasmLeaksOf(grads)).toEqual({ tensors: 0, dataIds: 0, heapBlocks: 0 });
  });

  it('rejects non-float32 operands, as wasm\'s own kernel does', async () => {
    await tf.setBackend('wasm');
    const a = tf.tensor2d([[1, 2]], [1, 2], 'int32');
    const b = tf.tensor2d([[1], [2]], [2, 1], 'int32');
    expect(() => tf.matMul(a, b)).toThrow(/float32/);
    tf.dispose([a, b]);
  });
});
