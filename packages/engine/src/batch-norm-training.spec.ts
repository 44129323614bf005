import * as tf from '@tensorflow/tfjs';
import { Rng } from '@a2d/core';
import { batchNormTraining } from './batch-norm-training';
import { normalValues, relativeError, startCpuAndWasm, valuesOn, wasmLeaksOf } from './testing/backend-pair';

const shape: [number, number, number, number] = [3, 5, 4, 7];

function inputs(label: string): { x: Float32Array; dy: Float32Array; scale: Float32Array; offset: Float32Array } {
  const rng = new Rng(label);
  return {
    x: normalValues(rng, 3 * 5 * 4 * 7).map((v) => 2 + 3 * v),
    dy: normalValues(rng, 3 * 5 * 4 * 7),
    scale: normalValues(rng, 7).map((v) => 1 + 0.2 * v),
    offset: normalValues(rng, 7),
  };
}

/** y, dx, dScale, dOffset of `sum(y * dy)`, by our op or tfjs's moments + batchNorm. */
function outputsAndGradients(values: ReturnType<typeof inputs>, ours: boolean): () => tf.Tensor[] {
  return () => {
    const weights = tf.tensor4d(values.dy, shape);
    const f = (x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor) => {
      if (ours) return batchNormTraining(x, scale as tf.Tensor1D, offset as tf.Tensor1D, 1e-3).y;
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      return tf.batchNorm(x, mean, variance, offset as tf.Tensor1D, scale as tf.Tensor1D, 1e-3);
    };
    const args = [tf.tensor4d(values.x, shape), tf.tensor1d(values.scale), tf.tensor1d(values.offset)];
    const y = f(args[0], args[1], args[2]);
    const grads = tf.grads((x: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => tf.sum(tf.mul(f(x, s, o), weights)))(args);
    return [y, ...grads];
  };
}

describe('batchNormTraining', () => {
  beforeAll(startCpuAndWasm);

  it.each(['cpu', 'wasm'] as const)('equals tfjs moments + batchNorm and its gradients on %s', async (backend) => {
    const values = inputs('batch-norm/equals');
    const expected = await valuesOn('cpu', outputsAndGradients(values, false));
    // tfjs's per-kernel leak check counts customGrad's saved tensors as leaks; the whole-call check below covers ours.
    tf.env().set('IS_TEST', false);
    const actual = await valuesOn(backend, outputsAndGradients(values, true));
    tf.env().set('IS_TEST', true);
    expected.forEach((values, i) => expect(relativeError(actual[i], values)).toBeLessThanOrEqual(1e-4));
  });

  it('returns the batch mean and biased variance per channel', async () => {
    const values = inputs('batch-norm/moments');
    const [mean, variance] = await valuesOn('wasm', () => {
      const result = batchNormTraining(tf.tensor4d(values.x, shape), tf.tensor1d(values.scale), tf.tensor1d(values.offset));
      return [result.mean, result.variance];
    });
    const [expectedMean, expectedVariance] = await valuesOn('cpu', () => {
      const m = tf.moments(tf.tensor4d(values.x, shape), [0, 1, 2]);
      return [m.mean, m.variance];
    });
    expect(relativeError(mean, expectedMean)).toBeLessThanOrEqual(1e-6);
    expect(relativeError(variance, expectedVariance)).toBeLessThanOrEqual(1e-5);
  });

  it('runs its wasm kernels without leaks', async () => {
    const values = inputs('batch-norm/leaks');
    const kernels = () => {
      const x = tf.tensor4d(values.x, shape);
      const scale = tf.tensor1d(values.scale);
      const [mean, variance] = tf.engine().runKernel('A2dChannelMoments', { x }) as tf.Tensor[];
      const grads = tf.engine().runKernel('A2dBatchNormGrad', { x, dy: tf.tensor4d(values.dy, shape), mean, variance, scale }, { varianceEpsilon: 1e-3 }) as tf.Tensor[];
      return [mean, variance, ...grads];
    };
    expect(await wasmLeaksOf(kernels)).toEqual({ tensors: 0, dataIds: 0, heapBlocks: 0 });
  });
});
