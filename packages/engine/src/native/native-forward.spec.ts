import * as tf from '@tensorflow/tfjs';
import { Rng } from '@a2d/core';
import { normalValues, relativeError, valuesOn, wasmLeaksOf } from '../testing/backend-pair';
import { describeNative, startCpuAndNative } from '../testing/native-specs';
import type { NativeAddon } from './native-addon';

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

/** One forward convolution; `filter` is [fh, fw, in, out] (or [fh, fw, in, multiplier] when depthwise). */
interface ForwardCase {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: Pad;
  dilations?: [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

interface FusedCase extends ForwardCase {
  activation: tf.fused.Activation;
  bias: boolean;
}

const label = (c: ForwardCase) =>
  `x ${c.x.join('x')} filter ${c.filter.join('x')} strides ${JSON.stringify(c.strides)} pad ${JSON.stringify(c.pad)}` +
  `${c.dilations ? ` dilations ${c.dilations.join(',')}` : ''}${c.dimRoundingMode ? ` ${c.dimRoundingMode}` : ''}`;

const convCases: ForwardCase[] = [
  { x: [1, 7, 9, 3], filter: [3, 3, 3, 5], strides: 1, pad: 'same' },
  { x: [3, 7, 9, 5], filter: [3, 3, 5, 7], strides: 2, pad: 'same' },
  { x: [1, 7, 9, 3], filter: [3, 3, 3, 5], strides: 1, pad: 'valid', dilations: [2, 2] },
  { x: [3, 9, 7, 6], filter: [3, 3, 6, 11], strides: 1, pad: 'same', dilations: [2, 2] },
  { x: [3, 9, 7, 6], filter: [3, 2, 6, 11], strides: 2, pad: [[0, 0], [1, 2], [2, 0], [0, 0]] },
  { x: [1, 7, 9, 13], filter: [1, 1, 13, 17], strides: 2, pad: 'valid' },
  { x: [1, 13, 11, 2], filter: [7, 7, 2, 4], strides: 2, pad: 'same' },
  { x: [3, 7, 9, 5], filter: [2, 2, 5, 3], strides: [1, 2], pad: 'valid' },
  { x: [1, 8, 8, 3], filter: [3, 3, 3, 5], strides: 2, pad: 1, dimRoundingMode: 'ceil' },
  { x: [1, 6, 6, 3], filter: [1, 1, 3, 5], strides: 2, pad: 'same' },
  { x: [2, 5, 5, 70], filter: [3, 3, 70, 3], strides: 1, pad: 'same' },
  { x: [1, 32, 32, 3], filter: [7, 7, 3, 64], strides: 2, pad: 'same' },
];

const depthwiseCases: ForwardCase[] = [
  { x: [1, 7, 9, 3], filter: [3, 3, 3, 1], strides: 1, pad: 'same' },
  { x: [3, 7, 9, 5], filter: [3, 3, 5, 2], strides: 2, pad: 'same' },
  { x: [1, 7, 9, 3], filter: [3, 3, 3, 2], strides: 1, pad: 'valid', dilations: [2, 2] },
  { x: [3, 9, 7, 6], filter: [3, 2, 6, 1], strides: 2, pad: [[0, 0], [1, 2], [2, 0], [0, 0]] },
  { x: [2, 8, 8, 65], filter: [3, 3, 65, 2], strides: 2, pad: 'valid' },
];

const fusedCases: FusedCase[] = [
  { x: [1, 7, 9, 3], filter: [3, 3, 3, 5], strides: 1, pad: 'same', activation: 'linear', bias: true },
  { x: [3, 7, 9, 5], filter: [3, 3, 5, 7], strides: 2, pad: 'same', activation: 'relu', bias: true },
  { x: [3, 7, 9, 5], filter: [3, 3, 5, 7], strides: 2, pad: 'same', activation: 'relu', bias: false },
  { x: [1, 7, 9, 3], filter: [3, 3, 3, 5], strides: 1, pad: 'valid', dilations: [2, 2], activation: 'relu6', bias: true },
  { x: [3, 9, 7, 6], filter: [3, 2, 6, 11], strides: 2, pad: [[0, 0], [1, 2], [2, 0], [0, 0]], activation: 'elu', bias: true },
  { x: [1, 7, 9, 13], filter: [1, 1, 13, 17], strides: 1, pad: 'valid', activation: 'leakyrelu', bias: true },
  { x: [1, 7, 9, 3], filter: [3, 3, 3, 5], strides: 1, pad: 'same', activation: 'sigmoid', bias: false },
  // prelu is not a oneDNN post-op here: the wasm kernel runs it (the fallback path).
  { x: [1, 7, 9, 3], filter: [3, 3, 3, 5], strides: 1, pad: 'same', activation: 'prelu', bias: true },
];

const fusedDepthwiseCases: FusedCase[] = [
  { x: [3, 7, 9, 5], filter: [3, 3, 5, 2], strides: 2, pad: 'same', activation: 'relu', bias: true },
  { x: [1, 7, 9, 3], filter: [3, 3, 3, 1], strides: 1, pad: 'valid', activation: 'relu6', bias: false },
];

interface Inputs {
  x: Float32Array;
  filter: Float32Array;
  outChannels: number;
  bias: Float32Array;
  prelu: Float32Array;
}

function inputsOf(c: ForwardCase, depthwise: boolean): Inputs {
  const rng = new Rng(label(c));
  const outChannels = depthwise ? c.filter[2] * c.filter[3] : c.filter[3];
  return {
    x: normalValues(rng, tf.util.sizeFromShape(c.x)),
    filter: normalValues(rng, tf.util.sizeFromShape(c.filter)),
    outChannels,
    bias: normalValues(rng, outChannels),
    prelu: normalValues(rng, outChannels),
  };
}

/** Runs `op` on cpu and on wasm (native kernels), returning the relative error and what the wasm run leaked. */
async function compare(op: () => tf.Tensor): Promise<{ error: number; leaks: unknown }> {
  const expected = await valuesOn('cpu', op);
  const actual = await valuesOn('wasm', op);
  return { error: relativeError(actual[0], expected[0]), leaks: await wasmLeaksOf(op) };
}

function conv(c: ForwardCase, v: Inputs): tf.Tensor {
  return tf.conv2d(tf.tensor4d(v.x, c.x), tf.tensor4d(v.filter, c.filter), c.strides, c.pad, 'NHWC', c.dilations ?? 1, c.dimRoundingMode);
}

function depthwise(c: ForwardCase, v: Inputs): tf.Tensor {
  return tf.depthwiseConv2d(tf.tensor4d(v.x, c.x), tf.tensor4d(v.filter, c.filter), c.strides, c.pad, 'NHWC', c.dilations ?? 1, c.dimRoundingMode);
}

function fusedArgs(c: FusedCase, v: Inputs) {
  return {
    x: tf.tensor4d(v.x, c.x),
    filter: tf.tensor4d(v.filter, c.filter),
    strides: c.strides,
    pad: c.pad,
    dilations: c.dilations ?? 1,
    bias: c.bias ? tf.tensor1d(v.bias) : undefined,
    activation: c.activation,
    preluActivationWeights: c.activation === 'prelu' ? tf.tensor1d(v.prelu) : undefined,
    leakyreluAlpha: 0.3,
  };
}

const fusedLabel = (c: FusedCase) => `${label(c)} ${c.activation}${c.bias ? ' + bias' : ''}`;
const noLeaks = { tensors: 0, dataIds: 0, heapBlocks: 0 };

describeNative('native forward convolutions (oneDNN) against cpu', () => {
  let addon: NativeAddon;
  beforeAll(async () => {
    addon = await startCpuAndNative();
  });

  /** Runs `check` and expects oneDNN (not the wasm fallback) to have built a plan for it, unless `fallback`. */
  async function natively(check: () => Promise<void>, fallback = false): Promise<void> {
    addon.clearPlans();
    await check();
    if (fallback) expect(addon.cachedPlans()).toBe(0);
    else expect(addon.cachedPlans()).toBeGreaterThan(0);
  }

  it.each(convCases.map((c) => [label(c), c] as const))('Conv2D: %s', async (_label, c) => {
    await natively(async () => {
      const { error, leaks } = await compare(() => conv(c, inputsOf(c, false)));
      expect(error).toBeLessThanOrEqual(1e-4);
      expect(leaks).toEqual(noLeaks);
    });
  });

  it.each(depthwiseCases.map((c) => [label(c), c] as const))('DepthwiseConv2dNative: %s', async (_label, c) => {
    await natively(async () => {
      const { error, leaks } = await compare(() => depthwise(c, inputsOf(c, true)));
      expect(error).toBeLessThanOrEqual(1e-4);
      expect(leaks).toEqual(noLeaks);
    });
  });

  it.each(fusedCases.map((c) => [fusedLabel(c), c] as const))('FusedConv2D: %s', async (_label, c) => {
    await natively(async () => {
      const { error, leaks } = await compare(() => tf.fused.conv2d(fusedArgs(c, inputsOf(c, false))));
      expect(error).toBeLessThanOrEqual(1e-4);
      expect(leaks).toEqual(noLeaks);
    }, c.activation === 'prelu');
  });

  it.each(fusedDepthwiseCases.map((c) => [fusedLabel(c), c] as const))('FusedDepthwiseConv2D: %s', async (_label, c) => {
    await natively(async () => {
      // tf.fused.depthwiseConv2d takes no explicit padding (these cases use none).
      const { error, leaks } = await compare(() => tf.fused.depthwiseConv2d({ ...fusedArgs(c, inputsOf(c, true)), pad: c.pad as 'same' | 'valid' | number }));
      expect(error).toBeLessThanOrEqual(1e-4);
      expect(leaks).toEqual(noLeaks);
    });
  });

  it('leaves NCHW to the wasm kernel, which rejects it as before', async () => {
    await tf.setBackend('wasm');
    addon.clearPlans();
    const x = tf.zeros([1, 2, 5, 5]);
    const filter = tf.zeros([3, 3, 2, 4]);
    expect(() => tf.engine().runKernel('Conv2D', { x, filter }, { strides: 1, pad: 'same', dataFormat: 'NCHW', dilations: 1 })).toThrow(/channelsLast/);
    expect(addon.cachedPlans()).toBe(0);
    tf.dispose([x, filter]);
  });
});
