import * as tf from '@tensorflow/tfjs';
import { Rng } from '@a2d/core';
import { batchNormTraining } from './batch-norm-training';
import { normalValues, relativeError, startCpuAndWasm } from './testing/backend-pair';

/** Parameter shapes of a small per-frame CNN with an action head and an action-conditioned actor head. */
const parameterShapes: Record<string, number[]> = {
  conv1: [3, 3, 3, 8],
  bias1: [8],
  depthwise: [3, 3, 8, 2],
  pointwise: [1, 1, 16, 12],
  gamma: [12],
  beta: [12],
  conv3: [3, 3, 12, 70],
  gamma3: [70],
  beta3: [70],
  actionHead: [70, 9],
  actionBias: [9],
  actionEmbedding: [9, 70],
  actorHead: [70, 7],
};

const batch = 2;
const frames = 3;
const size = 15;

function loss(params: Record<string, tf.Variable>, clips: tf.Tensor, actions: tf.Tensor1D, actors: tf.Tensor1D): tf.Scalar {
  const x = tf.reshape(clips, [batch * frames, size, size, 3]) as tf.Tensor4D;
  let h = tf.relu(tf.add(tf.conv2d(x, params.conv1 as tf.Tensor4D, 2, 'same'), params.bias1)) as tf.Tensor4D;
  h = tf.relu(tf.depthwiseConv2d(h, params.depthwise as tf.Tensor4D, 1, 'same')) as tf.Tensor4D;
  h = tf.conv2d(h, params.pointwise as tf.Tensor4D, 1, 'valid');
  const { mean, variance } = tf.moments(h, [0, 1, 2]);
  h = tf.relu(tf.batchNorm(h, mean, variance, params.beta, params.gamma, 1e-3)) as tf.Tensor4D;
  h = tf.conv2d(h, params.conv3 as tf.Tensor4D, 2, 'valid');
  h = tf.relu(batchNormTraining(h, params.gamma3 as tf.Tensor1D, params.beta3 as tf.Tensor1D).y);
  const perFrame = tf.mean(h, [1, 2]);
  const clipFeatures = tf.mean(tf.reshape(perFrame, [batch, frames, 70]), 1) as tf.Tensor2D;
  const actionLogits = tf.add(tf.matMul(clipFeatures, params.actionHead as tf.Tensor2D), params.actionBias);
  const conditioned = tf.add(clipFeatures, tf.gather(params.actionEmbedding, actions)) as tf.Tensor2D;
  const actorLogits = tf.matMul(conditioned, params.actorHead as tf.Tensor2D);
  return tf.add(crossEntropy(actionLogits, actions, 9), crossEntropy(actorLogits, actors, 7)) as tf.Scalar;
}

/** Mean cross-entropy written out (tf.losses.softmaxCrossEntropy trips tfjs's own per-kernel leak check on every backend). */
function crossEntropy(logits: tf.Tensor, labels: tf.Tensor1D, classes: number): tf.Scalar {
  const logProbabilities = tf.sub(logits, tf.logSumExp(logits, -1, true));
  return tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(labels, classes), logProbabilities), -1))) as tf.Scalar;
}

async function gradientsOn(backend: 'cpu' | 'wasm', values: Record<string, Float32Array>, clipValues: Float32Array): Promise<Record<string, Float32Array>> {
  await tf.setBackend(backend);
  const params = Object.fromEntries(Object.entries(parameterShapes).map(([name, shape]) => [name, tf.tidy(() => tf.variable(tf.tensor(values[name], shape), true, `${backend}/${name}`))]));
  try {
    return tf.tidy(() => {
      const clips = tf.tensor(clipValues, [batch, frames, size, size, 3]);
      const { value, grads } = tf.variableGrads(() => loss(params, clips, tf.tensor1d([3, 7], 'int32'), tf.tensor1d([0, 5], 'int32')));
      const out: Record<string, Float32Array> = { loss: Float32Array.from(value.dataSync()) };
      for (const name of Object.keys(parameterShapes)) out[name] = Float32Array.from(grads[`${backend}/${name}`].dataSync());
      return out;
    });
  } finally {
    tf.dispose(Object.values(params));
  }
}

describe('a whole network trains the same on wasm as on cpu', () => {
  beforeAll(async () => {
    await startCpuAndWasm();
    // tfjs's per-kernel leak check counts the tensors a customGrad saves for its backward pass as a
    // leak (tf.losses.softmaxCrossEntropy trips it too); each kernel's own spec runs with it on, and
    // this test checks the tensor and data-id counts of the whole step instead.
    tf.env().set('IS_TEST', false);
  });

  it('gives every parameter gradient within 1e-4 of cpu', async () => {
    const rng = new Rng('network-gradient');
    const values = Object.fromEntries(
      Object.entries(parameterShapes).map(([name, shape]) => {
        const values = normalValues(rng, tf.util.sizeFromShape(shape));
        return [name, name.startsWith('gamma') ? values.map((v) => 1 + 0.1 * v) : values.map((v) => 0.3 * v)];
      }),
    );
    const clipValues = normalValues(rng, batch * frames * size * size * 3);
    const expected = await gradientsOn('cpu', values, clipValues);
    await tf.setBackend('wasm');
    const tensorsBefore = tf.memory().numTensors;
    const dataIdsBefore = tf.backend().numDataIds();
    const actual = await gradientsOn('wasm', values, clipValues);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(tf.backend().numDataIds()).toBe(dataIdsBefore);
    expect(relativeError(actual.loss, expected.loss)).toBeLessThanOrEqual(1e-5);
    for (const name of Object.keys(parameterShapes)) {
      expect(relativeError(actual[name], expected[name])).toBeLessThanOrEqual(1e-4);
      expect(Math.max(...expected[name].map(Math.abs))).toBeGreaterThan(0);
    }
  });
});
