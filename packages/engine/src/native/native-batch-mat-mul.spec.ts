import * as tf from '@tensorflow/tfjs';
import { Rng } from '@a2d/core';
import { normalValues, relativeError, valuesOn, wasmLeaksOf } from '../testing/backend-pair';
import { describeNative, startCpuAndNative } from '../testing/native-specs';
import type { NativeAddon } from './native-addon';

interface Case {
  a: number[];
  b: number[];
  transposeA: boolean;
  transposeB: boolean;
  /** Batch shapes oneDNN does not take: the wasm kernel computes them. */
  fallback?: boolean;
}

const cases: Case[] = [
  { a: [32, 8, 8], b: [32, 8, 16], transposeA: false, transposeB: false },
  { a: [32, 8, 16], b: [32, 8, 16], transposeA: false, transposeB: true },
  { a: [5, 7, 3], b: [5, 7, 4], transposeA: true, transposeB: false },
  { a: [5, 3, 7], b: [5, 4, 3], transposeA: true, transposeB: true },
  { a: [64, 64], b: [64, 64], transposeA: false, transposeB: false },
  { a: [1, 9, 13], b: [1, 13, 11], transposeA: false, transposeB: false },
  { a: [2, 3, 4, 5], b: [5, 6], transposeA: false, transposeB: false },
  { a: [2, 3, 5, 4], b: [6, 5], transposeA: true, transposeB: true },
  { a: [4, 5], b: [3, 5, 6], transposeA: false, transposeB: false },
  { a: [2, 3, 4, 5], b: [2, 3, 5, 6], transposeA: false, transposeB: false },
  { a: [3, 1, 7], b: [3, 7, 1], transposeA: false, transposeB: false },
  { a: [2, 1, 4, 5], b: [1, 3, 5, 6], transposeA: false, transposeB: false, fallback: true },
];

const label = (c: Case) => `[${c.a}]${c.transposeA ? 'ᵀ' : ''} x [${c.b}]${c.transposeB ? 'ᵀ' : ''}`;

function operands(c: Case): { a: Float32Array; b: Float32Array } {
  const rng = new Rng(`native-batch-mat-mul/${label(c)}`);
  return { a: normalValues(rng, tf.util.sizeFromShape(c.a)), b: normalValues(rng, tf.util.sizeFromShape(c.b)) };
}

describeNative('native BatchMatMul (oneDNN matmul) against cpu', () => {
  let addon: NativeAddon;
  beforeAll(async () => {
    addon = await startCpuAndNative();
  });

  it.each(cases.map((c) => [label(c), c] as const))('%s', async (_label, c) => {
    const v = operands(c);
    const op = () => tf.matMul(tf.tensor(v.a, c.a), tf.tensor(v.b, c.b), c.transposeA, c.transposeB);
    // tfjs's cpu kernel returns half the values when both batch shapes broadcast: the reference tiles them first.
    const reference = c.fallback
      ? () => tf.matMul(tf.tile(tf.tensor(v.a, c.a), [1, 3, 1, 1]), tf.tile(tf.tensor(v.b, c.b), [2, 1, 1, 1]), c.transposeA, c.transposeB)
      : op;
    addon.clearPlans();
    const expected = await valuesOn('cpu', reference);
    const actual = await valuesOn('wasm', op);
    expect(addon.cachedPlans()).toBe(c.fallback ? 0 : 1);
    expect(relativeError(actual[0], expected[0])).toBeLessThanOrEqual(1e-5);
    expect(await wasmLeaksOf(op)).toEqual({ tensors: 0, dataIds: 0, heapBlocks: 0 });
  });

  it('differentiates through the transposed products of the gradient', async () => {
    const c = cases[0];
    const v = operands(c);
    const weights = normalValues(new Rng('native-batch-mat-mul/weights'), 32 * 8 * 16);
    const op = () => {
      const f = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.matMul(a, b), tf.tensor(weights, [32, 8, 16])));
      return tf.grads(f)([tf.tensor(v.a, c.a), tf.tensor(v.b, c.b)]);
    };
    const expected = await valuesOn('cpu', op);
    const actual = await valuesOn('wasm', op);
    expected.forEach((values, i) => expect(relativeError(actual[i], values)).toBeLessThanOrEqual(1e-5));
  });

  it('refuses bad geometry and regions outside the heap', () => {
    const heap = new ArrayBuffer(256);
    expect(() => addon.batchMatMul(heap, Int32Array.from([1, 1, 4, 4]), 0, 0, 0)).toThrow(/params must be an Int32Array of 7 values/);
    expect(() => addon.batchMatMul(heap, Int32Array.from([2, 3, 4, 4, 4, 0, 0]), 0, 0, 0)).toThrow(/items of a and b must be equal or one of them 1/);
    expect(() => addon.batchMatMul(heap, Int32Array.from([1, 1, 0, 4, 4, 0, 0]), 0, 0, 0)).toThrow(/param 2 must be positive/);
    expect(() => addon.batchMatMul(heap, Int32Array.from([1, 1, 8, 8, 8, 0, 0]), 0, 0, 64)).toThrow(/out \[64, \+256\) lies outside the heap of 256 bytes/);
  });
});
