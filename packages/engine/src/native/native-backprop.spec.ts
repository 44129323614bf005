import * as tf from '@tensorflow/tfjs';
import { Rng } from '@a2d/core';
import { normalValues, relativeError, valuesOn, wasmLeaksOf } from '../testing/backend-pair';
import { compareBackpropPair, conv2dBackpropPair, depthwiseBackpropPair, describeConv2DCase, type Conv2DCase } from '../testing/backprop-kernel-pair';
import { describeNative, startCpuAndNative } from '../testing/native-specs';
import { nativeConvLayout, setNativeConvLayout, type NativeConvLayout } from './conv-params';
import type { NativeAddon } from './native-addon';

const convCases: Conv2DCase[] = [
  { x: [1, 7, 9, 3], filter: [3, 3, 3, 5], strides: [1, 1], pad: 'same' },
  { x: [3, 7, 9, 5], filter: [3, 3, 5, 7], strides: [2, 2], pad: 'same' },
  { x: [3, 9, 7, 6], filter: [3, 2, 6, 11], strides: [2, 2], pad: [[0, 0], [1, 2], [2, 0], [0, 0]] },
  { x: [1, 7, 9, 13], filter: [1, 1, 13, 17], strides: [2, 2], pad: 'valid' },
  { x: [1, 10, 9, 2], filter: [2, 2, 2, 3], strides: [3, 3], pad: 'valid' },
  { x: [1, 13, 11, 2], filter: [7, 7, 2, 4], strides: [2, 2], pad: 'same' },
  { x: [2, 5, 5, 70], filter: [3, 3, 70, 3], strides: [1, 2], pad: 'same' },
  { x: [1, 3, 3, 2], filter: [5, 5, 2, 2], strides: [1, 1], pad: [[0, 0], [2, 2], [2, 2], [0, 0]] },
];

const depthwiseCases: Conv2DCase[] = [
  { x: [1, 7, 9, 3], filter: [3, 3, 3, 1], strides: [1, 1], pad: 'same' },
  { x: [3, 7, 9, 5], filter: [3, 3, 5, 2], strides: [2, 2], pad: 'same' },
  { x: [3, 9, 7, 6], filter: [3, 2, 6, 1], strides: [2, 2], pad: [[0, 0], [1, 2], [2, 0], [0, 0]] },
  { x: [2, 8, 8, 65], filter: [3, 3, 65, 2], strides: [2, 2], pad: 'valid' },
  { x: [1, 10, 9, 3], filter: [2, 2, 3, 2], strides: [3, 3], pad: 'valid' },
];

const noLeaks = { tensors: 0, dataIds: 0, heapBlocks: 0 };

describeNative('native convolution gradients (oneDNN) against cpu', () => {
  let addon: NativeAddon;
  beforeAll(async () => {
    addon = await startCpuAndNative();
  });

  it.each(convCases.map((c) => [describeConv2DCase(c), c] as const))('Conv2DBackpropFilter / Conv2DBackpropInput: %s', async (_label, c) => {
    addon.clearPlans();
    const { filterError, inputError, leaks } = await compareBackpropPair(`native ${describeConv2DCase(c)}`, conv2dBackpropPair(c));
    expect(addon.cachedPlans()).toBe(2);
    expect(filterError).toBeLessThanOrEqual(1e-4);
    expect(inputError).toBeLessThanOrEqual(1e-4);
    expect(leaks).toEqual(noLeaks);
  });

  it.each(depthwiseCases.map((c) => [describeConv2DCase(c), c] as const))(
    'DepthwiseConv2dNativeBackpropFilter / DepthwiseConv2dNativeBackpropInput: %s',
    async (_label, c) => {
      addon.clearPlans();
      const { filterError, inputError, leaks } = await compareBackpropPair(`native ${describeConv2DCase(c)}`, depthwiseBackpropPair(c));
      expect(addon.cachedPlans()).toBe(2);
      expect(filterError).toBeLessThanOrEqual(1e-4);
      expect(inputError).toBeLessThanOrEqual(1e-4);
      expect(leaks).toEqual(noLeaks);
    },
  );

  it('gives tf.grads of conv2d, fused conv2d (bias + relu) and depthwiseConv2d the values cpu gives', async () => {
    const rng = new Rng('native-grads');
    const x = normalValues(rng, 3 * 9 * 7 * 5);
    const filter = normalValues(rng, 3 * 3 * 5 * 6);
    const bias = normalValues(rng, 6);
    const depthwiseFilter = normalValues(rng, 3 * 3 * 5 * 2);
    const weights = normalValues(rng, 3 * 5 * 4 * 6);
    const grads = () => {
      const loss = (xs: tf.Tensor, f: tf.Tensor, b: tf.Tensor, d: tf.Tensor) => {
        const x4 = xs as tf.Tensor4D;
        const plain = tf.conv2d(x4, f as tf.Tensor4D, 2, 'same');
        const fused = tf.fused.conv2d({ x: x4, filter: f as tf.Tensor4D, strides: 2, pad: 'same', bias: b, activation: 'relu' });
        const deep = tf.depthwiseConv2d(x4, d as tf.Tensor4D, 1, 'valid');
        return tf.addN([tf.sum(tf.mul(plain, tf.tensor4d(weights, [3, 5, 4, 6]))), tf.sum(tf.square(fused)), tf.sum(tf.square(deep))]) as tf.Scalar;
      };
      return tf.grads(loss)([tf.tensor4d(x, [3, 9, 7, 5]), tf.tensor4d(filter, [3, 3, 5, 6]), tf.tensor1d(bias), tf.tensor4d(depthwiseFilter, [3, 3, 5, 2])]);
    };
    const expected = await valuesOn('cpu', grads);
    addon.clearPlans();
    const actual = await valuesOn('wasm', grads);
    // conv2d + fused (forward), backward data and weights of both, depthwise forward, backward data and weights.
    expect(addon.cachedPlans()).toBeGreaterThanOrEqual(6);
    expected.forEach((values, i) => expect(relativeError(actual[i], values)).toBeLessThanOrEqual(1e-4));
    expect(await wasmLeaksOf(grads)).toEqual(noLeaks);
  });

  it.each(['plain', 'blocked-weights', 'blocked'] as NativeConvLayout[])('computes the same under the %s layout policy', async (layout) => {
    const before = nativeConvLayout();
    setNativeConvLayout(layout);
    try {
      for (const c of [convCases[1], convCases[6]]) {
        const { filterError, inputError, leaks } = await compareBackpropPair(`layout ${describeConv2DCase(c)}`, conv2dBackpropPair(c));
        expect([filterError, inputError].every((e) => e <= 1e-4)).toBe(true);
        expect(leaks).toEqual(noLeaks);
      }
      const c = depthwiseCases[1];
      const { filterError, inputError } = await compareBackpropPair(`layout ${describeConv2DCase(c)}`, depthwiseBackpropPair(c));
      expect([filterError, inputError].every((e) => e <= 1e-4)).toBe(true);
      const forward = () => tf.conv2d(tf.tensor4d(normalValues(new Rng('layout'), 3 * 9 * 7 * 5), [3, 9, 7, 5]), tf.ones([3, 3, 5, 11]) as tf.Tensor4D, 2, 'same');
      const [expected] = await valuesOn('cpu', forward);
      const [actual] = await valuesOn('wasm', forward);
      expect(relativeError(actual, expected)).toBeLessThanOrEqual(1e-4);
    } finally {
      setNativeConvLayout(before);
    }
  });

  it('leaves dilated depthwise gradients to the wasm kernel, which rejects them as before', async () => {
    await tf.setBackend('wasm');
    addon.clearPlans();
    const x = tf.zeros([1, 5, 5, 2]);
    const dy = tf.zeros([1, 5, 5, 2]);
    expect(() =>
      tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { strides: 1, pad: 'same', dilations: [2, 2], filterShape: [3, 3, 2, 1] }),
    ).toThrow(/dilations \[2,2\] are not supported/);
    expect(addon.cachedPlans()).toBe(0);
    tf.dispose([x, dy]);
  });
});
