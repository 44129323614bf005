/** Spec fixture: a linear model with a mean-squared-error loss and plain SGD, built identically from a seed. */
import { Rng } from '@a2d/core';
import { tf } from '../index';
import type { Replica } from '../data-parallel/replica';

/** Options of the fixture replica. */
export interface LinearReplicaOptions {
  inputs: number;
  outputs: number;
  seed: string;
  learningRate: number;
}

/** Builds the replica (weights drawn from `seed`, so every call gives the same model). */
export function createReplica(options: LinearReplicaOptions): Replica {
  const rng = new Rng(options.seed);
  const weightValues = Float32Array.from({ length: options.inputs * options.outputs }, () => rng.normal());
  const weight = tf.tidy(() => tf.variable(tf.tensor2d(weightValues, [options.inputs, options.outputs]), true, 'linear/weight'));
  const bias = tf.tidy(() => tf.variable(tf.zeros([options.outputs]), true, 'linear/bias'));
  const predict = (inputs: Record<string, tf.Tensor>) => tf.add(tf.matMul(inputs.x as tf.Tensor2D, weight), bias);
  return {
    variables: [weight, bias],
    loss: (inputs) => tf.mean(tf.square(tf.sub(predict(inputs), inputs.y))) as tf.Scalar,
    optimizer: tf.train.sgd(options.learningRate),
    predict,
  };
}
