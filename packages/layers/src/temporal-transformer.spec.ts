import { tf } from '@a2d/engine';
import { Rng } from '@a2d/core';
import { RelativePositionSelfAttention } from './attention/relative-position-self-attention';
import { temporalTransformer } from './temporal-transformer';

const [batch, length, width] = [2, 5, 8];

function buildTransformer(): tf.LayersModel {
  const tokens = tf.input({ shape: [null, width], name: 'tokens' });
  const output = temporalTransformer(tokens, {
    name: 'transformer',
    numLayers: 2,
    numHeads: 2,
    mlpRatio: 2,
    dropout: 0.1,
    attentionDropout: 0.1,
    dropPathRate: 0.2,
    maxRelativeDistance: 2,
    seed: 4,
  });
  return tf.model({ inputs: tokens, outputs: output });
}

function setRelativeBias(model: tf.LayersModel, values: (size: number) => number[]): void {
  for (const layer of model.layers) {
    if (!(layer instanceof RelativePositionSelfAttention)) continue;
    const [table] = layer.getWeights().slice(-1);
    const rest = layer.getWeights().slice(0, -1);
    layer.setWeights([...rest, tf.tensor(values(table.size), table.shape)]);
  }
}

/** Largest |a - b| between the output for permuted tokens and the permuted output. */
function permutationGap(model: tf.LayersModel, input: tf.Tensor3D, order: number[]): number {
  return tf.tidy(() => {
    const indices = tf.tensor1d(order, 'int32');
    const permutedInput = tf.gather(input, indices, 1);
    const outputOfPermuted = model.predict(permutedInput) as tf.Tensor;
    const permutedOutput = tf.gather(model.predict(input) as tf.Tensor, indices, 1);
    return tf.max(tf.abs(tf.sub(outputOfPermuted, permutedOutput))).dataSync()[0];
  });
}

describe('temporalTransformer', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('is permutation-equivariant without the relative bias and order-sensitive with it', () => {
    const model = buildTransformer();
    const rng = new Rng('transformer-permutation');
    const input = tf.tensor3d(Array.from({ length: batch * length * width }, () => rng.normal()), [batch, length, width]);
    const order = [3, 0, 4, 1, 2];
    setRelativeBias(model, (size) => new Array<number>(size).fill(0));
    expect(permutationGap(model, input, order)).toBeLessThan(1e-5);
    setRelativeBias(model, (size) => Array.from({ length: size }, () => rng.normal()));
    expect(permutationGap(model, input, order)).toBeGreaterThan(1e-2);
  });

  it('keeps the token shape, runs any clip length and is stochastic only in training', () => {
    const model = buildTransformer();
    for (const frames of [3, 7]) {
      const input = tf.randomNormal([batch, frames, width], 0, 1, 'float32', frames);
      const first = model.apply(input) as tf.Tensor;
      expect(first.shape).toEqual([batch, frames, width]);
      expect((model.apply(input) as tf.Tensor).arraySync()).toEqual(first.arraySync());
      const training = model.apply(input, { training: true }) as tf.Tensor;
      expect(training.arraySync()).not.toEqual(first.arraySync());
    }
  });
});
