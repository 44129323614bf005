/**
 * Spec fixture: a small network with two training-mode batch norms (`batchNormTraining`) and Adam, built identically
 * from a seed: x [b, 3, 6] -> dense 6->8 -> BN -> relu -> dense 8->8 -> BN -> relu -> mean over the 3 rows -> dense
 * 8->2, mean squared error against y [b, 2]. Its buffers are the two layers' running mean and variance (unbiased,
 * momentum 0.5, as `ChannelBatchNorm` keeps them). Its metrics report `tensors`: `tf.memory().numTensors` in its
 * thread after the loss. Test hook: `failOnExamples` (number) in the context makes the replica whose shard has that
 * many examples throw after its first batch norm, while the others are in the middle of the step.
 */
import path from 'node:path';
import { Rng } from '@a2d/core';
import * as tf from '@tensorflow/tfjs';
import { batchNormTraining } from '../batch-norm-training';
import type { BatchPayload, Replica, ReplicaSpec, ReplicaState, TensorPayload } from '../data-parallel/replica';
import { ReplicaOptimizer } from './replica-optimizer';

/** Options of the fixture replica. */
export interface BatchNormReplicaOptions {
  seed: string;
}

const rows = 3;
const inputs = 6;
const width = 8;
const outputs = 2;
const momentum = 0.5;

function payload(v: tf.Variable): TensorPayload {
  return { values: (v.dataSync() as Float32Array).slice(), shape: v.shape.slice(), dtype: 'float32' };
}

/** Builds the replica (weights drawn from `seed`, so every call gives the same model). */
export function createReplica(options: BatchNormReplicaOptions): Replica {
  const rng = new Rng(options.seed);
  const normal = (shape: number[], scale: number) => {
    const values = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => scale * rng.normal());
    return tf.tidy(() => tf.variable(tf.tensor(values, shape)));
  };
  const constant = (value: number, trainable: boolean) => tf.tidy(() => tf.variable(tf.fill([width], value), trainable));
  const named = new Map<string, tf.Variable>([
    ['dense1', normal([inputs, width], 0.5)],
    ['gamma1', normal([width], 0.1)],
    ['beta1', normal([width], 0.1)],
    ['dense2', normal([width, width], 0.5)],
    ['gamma2', normal([width], 0.1)],
    ['beta2', normal([width], 0.1)],
    ['dense3', normal([width, outputs], 0.5)],
  ]);
  // gamma starts near 1, not near 0.
  tf.tidy(() => [named.get('gamma1'), named.get('gamma2')].forEach((g) => g?.assign(tf.add(g, 1))));
  const buffers = new Map<string, tf.Variable>([
    ['mean1', constant(0, false)],
    ['variance1', constant(1, false)],
    ['mean2', constant(0, false)],
    ['variance2', constant(1, false)],
  ]);
  const v = (name: string): tf.Variable => {
    const found = named.get(name) ?? buffers.get(name);
    if (!found) throw new Error(`batch-norm fixture: no variable ${name}`);
    return found;
  };
  const optimizer = new ReplicaOptimizer('adam', named);

  const batchNorm = (x: tf.Tensor2D, layer: 1 | 2): tf.Tensor2D => {
    const { y, mean, variance, count } = batchNormTraining(x, v(`gamma${layer}`) as tf.Tensor1D, v(`beta${layer}`) as tf.Tensor1D, 1e-3);
    const runningMean = v(`mean${layer}`);
    const runningVariance = v(`variance${layer}`);
    runningMean.assign(tf.add(tf.mul(runningMean, momentum), tf.mul(mean, 1 - momentum)));
    runningVariance.assign(tf.add(tf.mul(runningVariance, momentum), tf.mul(variance, (1 - momentum) * (count / Math.max(1, count - 1)))));
    return y;
  };

  return {
    variables: [...named.values()],
    buffers: [...buffers.values()],
    loss: (batch, context) => {
      const examples = batch.x.shape[0];
      const x = tf.reshape(batch.x, [examples * rows, inputs]) as tf.Tensor2D;
      const h1 = tf.relu(batchNorm(tf.matMul(x, v('dense1') as tf.Tensor2D), 1));
      if (context.failOnExamples === examples) throw new Error(`batch-norm fixture: failing on request (a shard of ${examples})`);
      const h2 = tf.relu(batchNorm(tf.matMul(h1, v('dense2') as tf.Tensor2D), 2));
      const pooled = tf.mean(tf.reshape(h2, [examples, rows, width]), 1) as tf.Tensor2D;
      return tf.mean(tf.square(tf.sub(tf.matMul(pooled, v('dense3') as tf.Tensor2D), batch.y))) as tf.Scalar;
    },
    // Read by the host after the gradients' tidy has ended: what the step left behind.
    lastMetrics: () => ({ tensors: tf.memory().numTensors }),
    applyGradients: (gradients, learningRate, step) => optimizer.apply(gradients, learningRate, step),
    getState: (): ReplicaState => ({
      tensors: { ...Object.fromEntries([...named, ...buffers].map(([name, variable]) => [name, payload(variable)])), ...optimizer.slotPayloads() },
      json: { lastStep: optimizer.lastStep },
    }),
    setState: (state) => {
      const json = state.json as { lastStep?: unknown } | null;
      if (typeof json?.lastStep !== 'number') throw new Error('batch-norm fixture: the state has no lastStep');
      const own = [...named, ...buffers];
      for (const [name, variable] of own) {
        const p = state.tensors[name];
        if (!p || p.values.length !== variable.size) throw new Error(`batch-norm fixture: state tensor ${name} ${p ? `has ${p.values.length} values, expected ${variable.size}` : 'is missing'}`);
      }
      optimizer.setSlots(state.tensors);
      tf.tidy(() => own.forEach(([name, variable]) => variable.assign(tf.tensor(state.tensors[name].values, variable.shape, 'float32'))));
      optimizer.lastStep = json.lastStep;
    },
    dispose: () => {
      tf.dispose([...named.values(), ...buffers.values()]);
      optimizer.dispose();
    },
  };
}

/** The spec a trainer needs to load this fixture. */
export function batchNormReplicaSpec(options: BatchNormReplicaOptions): ReplicaSpec {
  return { module: path.join(__dirname, 'batch-norm-replica.ts'), options };
}

/** A seeded batch for the fixture: `x` [examples, 3, 6] (mean 1, so the statistics matter) and `y` [examples, 2]. */
export function batchNormBatch(examples: number, seed: string): BatchPayload {
  const rng = new Rng(seed);
  return {
    x: { values: Float32Array.from({ length: examples * rows * inputs }, () => 1 + rng.normal()), shape: [examples, rows, inputs], dtype: 'float32' },
    y: { values: Float32Array.from({ length: examples * outputs }, () => rng.normal()), shape: [examples, outputs], dtype: 'float32' },
  };
}
