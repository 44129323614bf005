/**
 * Test fixture: the classifier replica (`createReplica` of `classifier-replica.ts`) whose metrics also report
 * `tensors`, `tf.memory().numTensors` in its thread when the trainer reads them (after each gradients call), so a
 * spec can check that a step leaves no tensor behind in a worker.
 */
import path from 'node:path';
import { tf, type Replica, type ReplicaSpec } from '@a2d/engine';
import { createReplica as createClassifierReplica, type ClassifierReplicaOptions } from '../replica/classifier-replica';

/** Builds the classifier replica and wraps its metrics. */
export async function createReplica(options: ClassifierReplicaOptions): Promise<Replica> {
  const replica = await createClassifierReplica(options);
  return {
    variables: replica.variables,
    buffers: replica.buffers,
    loss: (inputs, context) => replica.loss(inputs, context),
    lastMetrics: () => ({ ...replica.lastMetrics?.(), tensors: tf.memory().numTensors }),
    applyGradients: (gradients, learningRate, step) => replica.applyGradients(gradients, learningRate, step),
    getState: () => replica.getState(),
    setState: (state) => replica.setState(state),
    predict: (inputs, context) => {
      if (!replica.predict) throw new Error('the classifier replica has no predict()');
      return replica.predict(inputs, context);
    },
    dispose: () => replica.dispose?.(),
  };
}

/** The spec a trainer needs to load this fixture. */
export function countingClassifierReplicaSpec(options: ClassifierReplicaOptions): ReplicaSpec {
  return { module: path.join(__dirname, 'counting-classifier-replica.ts'), options };
}
