import * as tf from '@tensorflow/tfjs';
import { Rng } from '@a2d/core';
import { batchNormTraining } from '../batch-norm-training';
import { normalValues, relativeError, valuesOn, wasmLeaksOf } from '../testing/backend-pair';
import { describeNative, startCpuAndNative } from '../testing/native-specs';
import { channelSums, wasmChannelSums } from '../wasm/batch-norm-kernels';
import { registerWasmTrainingKernels } from '../wasm/training-kernels';
import type { NativeAddon } from './native-addon';
import { registerNativeKernels } from './native-kernels';

const noLeaks = { tensors: 0, dataIds: 0, heapBlocks: 0 };

/** Shapes: odd sizes, rank 2 to 5, one channel, and one large enough to split over threads and row blocks. */
const shapes: number[][] = [[3, 5, 4, 7], [5, 70], [2, 3, 1, 2, 9], [4, 1], [8, 33, 17, 16]];

function valuesFor(shape: number[], label: string) {
  const rng = new Rng(`native-batch-norm/${label}/${shape.join('x')}`);
  const size = tf.util.sizeFromShape(shape);
  const channels = shape[shape.length - 1];
  return {
    x: normalValues(rng, size).map((v) => 2 + 3 * v),
    dy: normalValues(rng, size),
    scale: normalValues(rng, channels).map((v) => 1 + 0.2 * v),
    offset: normalValues(rng, channels),
    mean: normalValues(rng, channels).map((v) => 2 + v),
    variance: normalValues(rng, channels).map((v) => 9 + 2 * v),
  };
}

/** The addon with each batch-norm entry point counted (to tell the native path from the wasm fallback). */
function counting(addon: NativeAddon): { addon: NativeAddon; calls: Record<string, number> } {
  const calls: Record<string, number> = { channelSums: 0, batchNormForward: 0, batchNormBackward: 0 };
  const wrapped: NativeAddon = {
    ...addon,
    channelSums: (...args) => (calls.channelSums++, addon.channelSums(...args)),
    batchNormForward: (...args) => (calls.batchNormForward++, addon.batchNormForward(...args)),
    batchNormBackward: (...args) => (calls.batchNormBackward++, addon.batchNormBackward(...args)),
  };
  return { addon: wrapped, calls };
}

describeNative('native batch norm against cpu and the wasm kernels', () => {
  let addon: NativeAddon;
  let calls: Record<string, number>;
  beforeAll(async () => {
    const real = await startCpuAndNative();
    ({ addon, calls } = counting(real));
    registerNativeKernels(addon);
  });
  afterAll(() => {
    addon.setThreads(0);
  });

  it.each(shapes.map((s) => [s.join('x'), s] as const))('FusedBatchNorm (inference, given statistics) equals cpu: %s', async (_label, shape) => {
    const v = valuesFor(shape, 'forward');
    const c = shape[shape.length - 1];
    const ops = [
      () => tf.batchNorm(tf.tensor(v.x, shape), tf.tensor1d(v.mean), tf.tensor1d(v.variance), tf.tensor1d(v.offset), tf.tensor1d(v.scale), 1e-3),
      () => tf.batchNorm(tf.tensor(v.x, shape), tf.tensor1d(v.mean), tf.tensor1d(v.variance)),
      () => tf.batchNorm(tf.tensor(v.x, shape), tf.tensor(v.mean, [1, c]), tf.tensor(v.variance, [1, c]), undefined, tf.tensor(v.scale, [1, c])),
    ];
    for (const op of ops) {
      const before = calls.batchNormForward;
      const expected = await valuesOn('cpu', op);
      const actual = await valuesOn('wasm', op);
      expect(calls.batchNormForward).toBe(before + 1);
      expect(relativeError(actual[0], expected[0])).toBeLessThanOrEqual(1e-5);
      expect(await wasmLeaksOf(op)).toEqual(noLeaks);
    }
  });

  it.each(shapes.map((s) => [s.join('x'), s] as const))('batchNormTraining (statistics, output, three gradients) equals cpu: %s', async (_label, shape) => {
    const v = valuesFor(shape, 'training');
    const op = () => {
      const weights = tf.tensor(v.dy, shape);
      const f = (x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor) => batchNormTraining(x, scale as tf.Tensor1D, offset as tf.Tensor1D, 1e-3).y;
      const args = [tf.tensor(v.x, shape), tf.tensor1d(v.scale), tf.tensor1d(v.offset)];
      return [f(args[0], args[1], args[2]), ...tf.grads((x: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => tf.sum(tf.mul(f(x, s, o), weights)))(args)];
    };
    const before = { ...calls };
    const expected = await valuesOn('cpu', op);
    // tfjs's per-kernel leak check counts customGrad's saved tensors as leaks; wasmLeaksOf checks the whole call.
    tf.env().set('IS_TEST', false);
    const actual = await valuesOn('wasm', op);
    tf.env().set('IS_TEST', true);
    // f runs twice (the output, then under tf.grads): two forward passes, one backward.
    expect(calls.channelSums).toBe(before.channelSums + 2);
    expect(calls.batchNormForward).toBe(before.batchNormForward + 2);
    expect(calls.batchNormBackward).toBe(before.batchNormBackward + 1);
    expected.forEach((values, i) => expect(relativeError(actual[i], values)).toBeLessThanOrEqual(1e-4));
    tf.env().set('IS_TEST', false);
    expect(await wasmLeaksOf(op)).toEqual(noLeaks);
    tf.env().set('IS_TEST', true);
  });

  /** Moments, the full gradient and both split phases, run by whichever kernels are registered now. */
  const kernelRun = (shape: number[]) => () => {
    const v = valuesFor(shape, 'kernels');
    const x = tf.tensor(v.x, shape);
    const dy = tf.tensor(v.dy, shape);
    const scale = tf.tensor1d(v.scale);
    const [mean, variance] = tf.engine().runKernel('A2dChannelMoments', { x }) as tf.Tensor[];
    const attrs = { varianceEpsilon: 1e-3 };
    const full = tf.engine().runKernel('A2dBatchNormGrad', { x, dy, mean, variance, scale }, attrs) as tf.Tensor[];
    const [dScale, dOffset] = tf.engine().runKernel('A2dBatchNormGrad', { x, dy, mean, variance }, { ...attrs, phase: 'sums' }) as tf.Tensor[];
    const rows = x.size / x.shape[x.shape.length - 1];
    const meanDy = tf.div(dOffset, rows);
    const meanDyXhat = tf.div(dScale, rows);
    const [dx] = tf.engine().runKernel('A2dBatchNormGrad', { x, dy, mean, variance, scale, meanDy, meanDyXhat }, { ...attrs, phase: 'input' }) as tf.Tensor[];
    return [mean, variance, ...full, dScale, dOffset, dx];
  };

  it.each(shapes.map((s) => [s.join('x'), s] as const))('moments and every gradient phase equal the wasm kernels: %s', async (_label, shape) => {
    registerWasmTrainingKernels();
    const wasm = await valuesOn('wasm', kernelRun(shape));
    registerNativeKernels(addon);
    const before = { ...calls };
    const native = await valuesOn('wasm', kernelRun(shape));
    expect(calls.channelSums).toBe(before.channelSums + 1);
    expect(calls.batchNormBackward).toBe(before.batchNormBackward + 3);
    // Only the order of the float64 row sums differs.
    native.forEach((values, i) => expect(relativeError(values, wasm[i])).toBeLessThanOrEqual(1e-6));
    expect(await wasmLeaksOf(kernelRun(shape))).toEqual(noLeaks);
  });

  it('gives the same values on 1 and 2 oneDNN threads (fixed row blocks)', async () => {
    const shape = [8, 33, 17, 16];
    addon.setThreads(1);
    const one = await valuesOn('wasm', kernelRun(shape));
    addon.setThreads(2);
    const two = await valuesOn('wasm', kernelRun(shape));
    expect(two.map((v) => Array.from(v))).toEqual(one.map((v) => Array.from(v)));
  });

  it('hands synchronised batch norm its float64 sums from the addon, equal to the JS sums', async () => {
    await tf.setBackend('wasm');
    const v = valuesFor([8, 33, 17, 16], 'sums');
    const x = tf.tensor(v.x, [8, 33, 17, 16]);
    const before = calls.channelSums;
    const native = wasmChannelSums(tf.backend(), x);
    expect(calls.channelSums).toBe(before + 1);
    const js = channelSums(v.x, 16);
    for (let c = 0; c < 16; c++) {
      expect(Math.abs(native.sum[c] - js.sum[c])).toBeLessThanOrEqual(1e-9 * Math.abs(js.sumSquares[c]));
      expect(Math.abs(native.sumSquares[c] - js.sumSquares[c])).toBeLessThanOrEqual(1e-12 * js.sumSquares[c]);
    }
    x.dispose();
  });

  it('leaves shapes it does not take (statistics that broadcast another way) to the wasm kernel', async () => {
    const v = valuesFor([2, 3, 4], 'fallback');
    // mean [3, 1] broadcasts over the middle axis, not the channels: tfjs's own kernel computes it.
    const op = () => tf.batchNorm(tf.tensor(v.x, [2, 3, 4]), tf.tensor(v.mean.slice(0, 3), [3, 1]), tf.tensor(v.variance.slice(0, 3), [3, 1]));
    const before = calls.batchNormForward;
    const expected = await valuesOn('cpu', op);
    const actual = await valuesOn('wasm', op);
    expect(calls.batchNormForward).toBe(before);
    expect(relativeError(actual[0], expected[0])).toBeLessThanOrEqual(1e-5);
  });

  it('refuses a region outside the heap, naming the operand', async () => {
    await tf.setBackend('wasm');
    const heap = new ArrayBuffer(64);
    expect(() => addon.batchNormForward(heap, 0, 4, 4, 0, 16, -1, -1, 1e-3, 1 << 20)).toThrow(/out \[1048576, \+64\) lies outside the heap of 64 bytes/);
    expect(() => addon.batchNormBackward(heap, 3 as 0, 1, 1, 1e-3, 0, 0, 0, 0, 0, -1, -1, 0, 0, 0)).toThrow(/phase must be 0 \(full\), 1 \(sums\) or 2 \(input\)/);
    expect(() => addon.channelSums(heap, 0, 0, 4, new Float64Array(4), new Float64Array(4))).toThrow(/rows must be a positive integer/);
  });
});
