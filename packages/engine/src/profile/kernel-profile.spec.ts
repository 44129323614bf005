import * as tf from '@tensorflow/tfjs';
import { profileKernels, shapeSignature, summarizeKernels } from './kernel-profile';

describe('summarizeKernels', () => {
  it('groups calls by kernel, most expensive first, with shares and the costliest shapes', () => {
    const summary = summarizeKernels([
      { name: 'Concat', ms: 100, inputShapes: [[8, 3], [8, 3]], outputShapes: [[8, 6]] },
      { name: 'Add', ms: 1, inputShapes: [[2], [2]], outputShapes: [[2]] },
      { name: 'Add', ms: 3, inputShapes: [[4], [4]], outputShapes: [[4]] },
      { name: 'Add', ms: 1, inputShapes: [[2], [2]], outputShapes: [[2]] },
      { name: 'Conv2D', ms: 45, inputShapes: [[1, 5, 5, 3], [3, 3, 3, 4]], outputShapes: [[1, 5, 5, 4]] },
    ]);
    expect(summary.totalMs).toBe(150);
    expect(summary.totalCalls).toBe(5);
    expect(summary.kernels.map((k) => [k.name, k.calls, k.ms])).toEqual([['Concat', 1, 100], ['Conv2D', 1, 45], ['Add', 3, 5]]);
    expect(summary.kernels[0].share).toBeCloseTo(2 / 3, 12);
    expect(summary.kernels[2].topShapes).toEqual([
      { shapes: '[4] + [4] -> [4]', calls: 1, ms: 3 },
      { shapes: '[2] + [2] -> [2]', calls: 2, ms: 2 },
    ]);
    expect(shapeSignature({ inputShapes: [[802816, 3], [802816, 3]], outputShapes: [[802816, 6]] })).toBe('[802816,3] + [802816,3] -> [802816,6]');
  });
});

describe('profileKernels', () => {
  it('times every kernel of a real computation on the current backend and leaves only its result', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const flag = tf.env().getBool('CHECK_COMPUTATION_FOR_ERRORS');
    tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', true);
    const profile = await profileKernels(() => tf.tidy(() => tf.sum(tf.matMul(tf.ones([16, 8]), tf.ones([8, 4])))));
    expect(profile.calls.map((c) => c.name)).toEqual(expect.arrayContaining(['BatchMatMul', 'Sum']));
    expect(profile.calls.every((c) => Number.isFinite(c.ms) && c.ms >= 0)).toBe(true);
    expect(profile.calls.find((c) => c.name === 'BatchMatMul')?.outputShapes).toEqual([[16, 4]]);
    expect(profile.result.dataSync()[0]).toBe(16 * 4 * 8);
    profile.result.dispose();
    expect(tf.memory().numTensors).toBe(before);
    // The NaN check (which reads every output back) is off while profiling and restored after.
    expect(tf.env().getBool('CHECK_COMPUTATION_FOR_ERRORS')).toBe(true);
    tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', flag);
  });
});
