import { tf } from '@a2d/engine';
import { Rng } from '@a2d/core';
import { ChannelBatchNorm } from './channel-batch-norm';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function maxDifference(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

describe('ChannelBatchNorm', () => {
  const rng = new Rng('channel-batch-norm');
  const shape = [3, 4, 5, 6];
  const values = Float32Array.from({ length: 3 * 4 * 5 * 6 }, () => rng.normal(0.5, 2));
  const gammaValues = Float32Array.from({ length: 6 }, () => rng.uniform(0.5, 1.5));
  const betaValues = Float32Array.from({ length: 6 }, () => rng.normal());

  /** Ours and tfjs-layers' BatchNormalization, built on the same input shape with the same gamma and beta. */
  function pair(): [ChannelBatchNorm, tf.layers.Layer] {
    const ours = new ChannelBatchNorm({ momentum: 0.9, epsilon: 1e-3 });
    const reference = tf.layers.batchNormalization({ axis: -1, momentum: 0.9, epsilon: 1e-3 });
    for (const layer of [ours, reference]) {
      layer.apply(tf.input({ shape: shape.slice(1) }));
      const [, , mean, variance] = layer.getWeights();
      layer.setWeights([tf.tensor1d(gammaValues), tf.tensor1d(betaValues), mean!, variance!]);
    }
    return [ours, reference];
  }

  it('matches tfjs BatchNormalization in training: output, gradients and moving mean', () => {
    const [ours, reference] = pair();
    const x = tf.tensor(values, shape);
    const dy = tf.randomUniform(shape, -1, 1, 'float32', 4);
    // Gradients with respect to the input, gamma and beta of a random projection of the output.
    const gradients = (layer: tf.layers.Layer): tf.Tensor[] => {
      const input = tf.variable(x);
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(input, { training: true }) as tf.Tensor, dy)) as tf.Scalar);
      const [gamma, beta] = layer.trainableWeights;
      input.dispose();
      return [grads[input.name]!, grads[gamma!.name]!, grads[beta!.name]!];
    };
    const ourOutput = ours.apply(x, { training: true }) as tf.Tensor;
    const referenceOutput = reference.apply(x, { training: true }) as tf.Tensor;
    expect(maxDifference(ourOutput, referenceOutput)).toBeLessThan(1e-5);
    const ourGrads = gradients(ours);
    const referenceGrads = gradients(reference);
    ourGrads.forEach((grad, i) => expect(maxDifference(grad, referenceGrads[i]!)).toBeLessThan(1e-4));
    const [, , ourMean] = ours.getWeights();
    const [, , referenceMean] = reference.getWeights();
    expect(maxDifference(ourMean!, referenceMean!)).toBeLessThan(1e-6);
  });

  it('moves the moving variance toward the unbiased batch variance, and normalizes with it at inference', () => {
    const ours = new ChannelBatchNorm({ momentum: 0.75, epsilon: 1e-3 });
    const x = tf.tensor(values, shape);
    ours.apply(x, { training: true });
    const count = 3 * 4 * 5;
    const channel = Array.from({ length: count }, (_, i) => values[i * 6 + 2]!);
    const mean = channel.reduce((a, b) => a + b, 0) / count;
    const unbiased = channel.reduce((a, b) => a + (b - mean) ** 2, 0) / (count - 1);
    const [gamma, beta, movingMean, movingVariance] = ours.getWeights();
    expect(movingMean!.dataSync()[2]).toBeCloseTo(0.25 * mean, 5);
    expect(movingVariance!.dataSync()[2]).toBeCloseTo(0.75 + 0.25 * unbiased, 4);
    expect(Array.from(gamma!.dataSync())).toEqual(Array(6).fill(1));
    expect(Array.from(beta!.dataSync())).toEqual(Array(6).fill(0));

    const before = tf.memory().numTensors;
    const y = ours.apply(x) as tf.Tensor;
    const expected = (values[2]! - movingMean!.dataSync()[2]!) / Math.sqrt(movingVariance!.dataSync()[2]! + 1e-3);
    expect(y.dataSync()[2]).toBeCloseTo(expected, 4);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps Keras weight names and order, and serializes momentum and epsilon', () => {
    const layer = new ChannelBatchNorm({ name: 'conv1_bn', momentum: 0.9, epsilon: 1e-5 });
    layer.apply(tf.input({ shape: [2, 2, 3] }));
    expect(layer.weights.map((w) => w.originalName)).toEqual(['conv1_bn/gamma', 'conv1_bn/beta', 'conv1_bn/moving_mean', 'conv1_bn/moving_variance']);
    expect(layer.trainableWeights.map((w) => w.originalName)).toEqual(['conv1_bn/gamma', 'conv1_bn/beta']);
    expect(layer.getConfig()).toMatchObject({ name: 'conv1_bn', momentum: 0.9, epsilon: 1e-5 });
    expect(() => new ChannelBatchNorm({ momentum: 1.5 })).toThrow(RangeError);
  });
});
