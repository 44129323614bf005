/** The reference network as a data-parallel replica (loaded by each worker of `DataParallelTrainer`). */
import { Rng } from '@a2d/core';
import { tf } from '../src/index';
import type { Replica, TensorPayload } from '../src/index';
import { ReplicaOptimizer } from '../src/testing/replica-optimizer';
import { createParameters, forward, trainingLoss } from './reference-network';

/** Options of the replica factory. */
export interface ReferenceReplicaOptions {
  /** Seed of the parameters (worker 0's state is copied to the others anyway). */
  seed: string;
}

/** Builds the network, its loss on {clips, actions, actors}, and Adam (the learning rate comes with each update). */
export function createReplica(options: ReferenceReplicaOptions): Replica {
  const params = createParameters(new Rng(options.seed).fork('parameters'));
  const optimizer = new ReplicaOptimizer('adam', params);
  const payload = (v: tf.Variable): TensorPayload => ({ values: (v.dataSync() as Float32Array).slice(), shape: v.shape.slice(), dtype: 'float32' });
  return {
    variables: [...params.values()],
    loss: (inputs) => trainingLoss(params, inputs.clips as tf.Tensor5D, inputs.actions as tf.Tensor1D, inputs.actors as tf.Tensor1D),
    applyGradients: (gradients, learningRate, step) => optimizer.apply(gradients, learningRate, step),
    getState: () => ({
      tensors: { ...Object.fromEntries([...params].map(([name, v]) => [`param/${name}`, payload(v)])), ...optimizer.slotPayloads() },
      json: { lastStep: optimizer.lastStep },
    }),
    setState: (state) => {
      for (const [name, v] of params) {
        const p = state.tensors[`param/${name}`];
        if (!p || p.values.length !== v.size) throw new Error(`reference replica: state tensor param/${name} is missing or mis-sized`);
      }
      optimizer.setSlots(state.tensors);
      for (const [name, v] of params) v.assign(tf.tensor(state.tensors[`param/${name}`].values, v.shape, 'float32'));
      optimizer.lastStep = (state.json as { lastStep?: number } | null)?.lastStep ?? 0;
    },
    predict: (inputs) => forward(params, inputs.clips as tf.Tensor5D, false),
    dispose: () => {
      tf.dispose([...params.values()]);
      optimizer.dispose();
    },
  };
}
