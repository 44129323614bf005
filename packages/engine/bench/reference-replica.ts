/** The reference network as a data-parallel replica (loaded by each worker of `DataParallelTrainer`). */
import { Rng } from '@a2d/core';
import { tf } from '../src/index';
import type { Replica } from '../src/index';
import { createParameters, forward, trainingLoss } from './reference-network';

/** Options of the replica factory. */
export interface ReferenceReplicaOptions {
  /** Seed of the parameters (worker 0's weights are copied to the others anyway). */
  seed: string;
  learningRate: number;
}

/** Builds the network, its loss on {clips, actions, actors}, and Adam. */
export function createReplica(options: ReferenceReplicaOptions): Replica {
  const params = createParameters(new Rng(options.seed).fork('parameters'));
  return {
    variables: [...params.values()],
    loss: (inputs) => trainingLoss(params, inputs.clips as tf.Tensor5D, inputs.actions as tf.Tensor1D, inputs.actors as tf.Tensor1D),
    optimizer: tf.train.adam(options.learningRate),
    predict: (inputs) => {
      const out = forward(params, inputs.clips as tf.Tensor5D, false);
      return tf.concat([out.actions, out.actors], 1);
    },
  };
}
