import * as tf from '@tensorflow/tfjs';
import { Rng } from '@a2d/core';
import { normalValues, relativeError, valuesOn, wasmLeaksOf } from '../testing/backend-pair';
import { describeNative, startCpuAndNative } from '../testing/native-specs';
import type { NativeAddon } from './native-addon';

interface PoolCase {
  x: [number, number, number, number];
  filter: number | [number, number];
  strides: number | [number, number];
  pad: 'same' | 'valid' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

const cases: PoolCase[] = [
  { x: [2, 7, 9, 3], filter: 3, strides: 2, pad: 'same' },
  { x: [1, 7, 7, 5], filter: 4, strides: 3, pad: 'valid' },
  { x: [3, 8, 6, 4], filter: [2, 3], strides: [2, 1], pad: 'valid' },
  { x: [1, 9, 9, 2], filter: 3, strides: 2, pad: 1 },
  { x: [1, 5, 5, 1], filter: 2, strides: 2, pad: 'same' },
  { x: [2, 56, 56, 16], filter: 3, strides: 2, pad: 'same' },
];

const label = (c: PoolCase) => `x ${c.x.join('x')} filter ${JSON.stringify(c.filter)} strides ${JSON.stringify(c.strides)} pad ${JSON.stringify(c.pad)}`;
const noLeaks = { tensors: 0, dataIds: 0, heapBlocks: 0 };

describeNative('native pooling (oneDNN) against cpu', () => {
  let addon: NativeAddon;
  beforeAll(async () => {
    addon = await startCpuAndNative();
  });

  for (const kind of ['max', 'avg'] as const) {
    it.each(cases.map((c) => [label(c), c] as const))(`${kind} pooling, forward and input gradient: %s`, async (_label, c) => {
      const rng = new Rng(`native-pooling/${kind}/${label(c)}`);
      const x = normalValues(rng, tf.util.sizeFromShape(c.x));
      const pool = (t: tf.Tensor4D) => (kind === 'max' ? tf.maxPool : tf.avgPool)(t, c.filter, c.strides, c.pad, c.dimRoundingMode);
      const outShape = tf.tidy(() => pool(tf.zeros(c.x) as tf.Tensor4D).shape);
      const weights = normalValues(rng, tf.util.sizeFromShape(outShape));
      const op = () => {
        const input = tf.tensor4d(x, c.x);
        const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(pool(t as tf.Tensor4D), tf.tensor(weights, outShape))))(input);
        return [pool(input), grad];
      };
      addon.clearPlans();
      const expected = await valuesOn('cpu', op);
      const actual = await valuesOn('wasm', op);
      // One forward plan and one gradient plan; tfjs's padded average gradient (whole-window divisor) stays tfjs's.
      const { top, left, bottom, right } = tf.backend_util.computePool2DInfo(c.x, c.filter, c.strides, 1, c.pad, c.dimRoundingMode).padInfo;
      const padded = top + left + bottom + right > 0;
      expect(addon.cachedPlans()).toBe(kind === 'avg' && padded ? 1 : 2);
      expect(relativeError(actual[0], expected[0])).toBeLessThanOrEqual(1e-5);
      expect(relativeError(actual[1], expected[1])).toBeLessThanOrEqual(1e-5);
      expect(await wasmLeaksOf(op)).toEqual(noLeaks);
    });
  }

  it('refuses bad geometry and regions outside the heap', () => {
    const heap = new ArrayBuffer(256);
    const params = (algorithm: number, batch = 1) => Int32Array.from([batch, 4, 4, 4, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, algorithm]);
    expect(() => addon.poolForward(heap, Int32Array.from([1, 2]), 0, 0)).toThrow(/params must be an Int32Array of 15 values/);
    expect(() => addon.poolForward(heap, params(2), 0, 0)).toThrow(/algorithm must be 0 \(max\) or 1 \(average\)/);
    expect(() => addon.poolForward(heap, params(0, 0), 0, 0)).toThrow(/param 0 is 0/);
    expect(() => addon.poolBackward(heap, params(1), 0, 0, 64)).toThrow(/dx \[64, \+256\) lies outside the heap of 256 bytes/);
  });
});
