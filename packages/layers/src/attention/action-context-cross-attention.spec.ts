import { tf } from '@a2d/engine';
import { NUM_ACTIONS } from '@a2d/core';
import { ActionEmbedding } from '../action-embedding';
import { ActionContextCrossAttention } from './action-context-cross-attention';

describe('action-conditioned cross-attention', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('depends on the action and on the action-stream context (more than one key)', () => {
    const embedding = new ActionEmbedding({ numActions: NUM_ACTIONS, embeddingDim: 6, seed: 1 });
    const attention = new ActionContextCrossAttention({ numHeads: 2, seed: 2 });
    const queries = tf.randomNormal([2, 4, 8], 0, 1, 'float32', 1);
    const context = tf.randomNormal([2, 5, 8], 0, 1, 'float32', 2);
    const run = (actions: number[], keys: tf.Tensor) =>
      tf.tidy(() => {
        const action = embedding.apply(tf.oneHot(tf.tensor1d(actions, 'int32'), NUM_ACTIONS).toFloat()) as tf.Tensor;
        return attention.apply([queries, action, keys]) as tf.Tensor;
      });
    const base = run([1, 6], context);
    expect(base.shape).toEqual([2, 4, 8]);
    const gap = (other: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(base, other))).dataSync()[0]);
    expect(gap(run([1, 6], context))).toBe(0);
    expect(gap(run([3, 6], context))).toBeGreaterThan(1e-4);
    // keys carry no position: reordering the context tokens changes nothing
    expect(gap(run([1, 6], tf.reverse(context, 1)))).toBeLessThan(1e-6);
    expect(gap(run([1, 6], tf.mul(context, 2)))).toBeGreaterThan(1e-4);
  });

  it('has only weights that learn: no key bias (the softmax cancels it), every element with a gradient', () => {
    const attention = new ActionContextCrossAttention({ numHeads: 2, seed: 3, name: 'cross' });
    const queries = tf.randomNormal([2, 4, 8], 0, 1, 'float32', 3);
    const action = tf.randomNormal([2, 6], 0, 1, 'float32', 4);
    const context = tf.randomNormal([2, 5, 8], 0, 1, 'float32', 5);
    attention.apply([queries, action, context]);
    expect(attention.weights.map((w) => `${w.originalName} [${w.shape.join(', ')}]`)).toEqual([
      'cross/action_token_kernel [6, 8]',
      'cross/action_token_bias [8]',
      'cross/query_kernel [8, 8]',
      'cross/query_bias [8]',
      'cross/key_value_kernel [8, 16]',
      'cross/value_bias [8]',
      'cross/output_kernel [8, 8]',
      'cross/output_bias [8]',
    ]);
    attention.setWeights(attention.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.5, 'float32', 30 + i)));
    const direction = tf.randomNormal([2, 4, 8], 0, 1, 'float32', 6);
    const variables = attention.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(attention.apply([queries, action, context]) as tf.Tensor, direction)) as tf.Scalar, variables);
    for (const variable of variables) {
      const smallest = tf.tidy(() => tf.min(tf.abs(grads[variable.name])).dataSync()[0]);
      expect({ weight: variable.name, learns: smallest > 1e-5 }).toEqual({ weight: variable.name, learns: true });
    }
  });

  it('embeds a one-hot action as its table row (a matmul, so it trains without a gather gradient)', () => {
    const embedding = new ActionEmbedding({ numActions: NUM_ACTIONS, embeddingDim: 3, seed: 5 });
    const rows = embedding.apply(tf.eye(NUM_ACTIONS)) as tf.Tensor;
    expect(rows.arraySync()).toEqual(embedding.getWeights()[0].arraySync());
    const [table] = embedding.trainableWeights.map((weight) => weight.read() as tf.Variable);
    const { grads } = tf.variableGrads(() => tf.sum(embedding.apply(tf.oneHot(tf.tensor1d([2], 'int32'), NUM_ACTIONS).toFloat()) as tf.Tensor), [table]);
    const rowsOfGradient = grads[table.name].arraySync() as number[][];
    rowsOfGradient.forEach((row, action) => expect(row).toEqual(action === 2 ? [1, 1, 1] : [0, 0, 0]));
  });
});
