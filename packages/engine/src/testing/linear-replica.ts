/**
 * Spec fixture: a linear model with a mean-squared-error loss and SGD or Adam (`ReplicaOptimizer`), built
 * identically from a seed. Its options add what the trainer specs need: a variable the loss never reaches, a
 * per-replica running mean of `x` (a buffer, like batch-norm statistics), and test hooks read from the context:
 *
 * - loss: `exitCode` (number) ends the worker thread with that code; `busyMs` (number) computes nothing for that
 *   long (both only inside a worker thread, never in the test runner's own thread);
 * - predict: `perturb` (number) adds that to the weight of this replica only (a shard reaches one replica);
 *   `failNextApply` (true) makes this replica's next `applyGradients` throw.
 */
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { Rng } from '@a2d/core';
import * as tf from '@tensorflow/tfjs';
import type { BatchPayload, Replica, ReplicaSpec, ReplicaState, TensorPayload } from '../data-parallel/replica';
import { ReplicaOptimizer, type ReplicaOptimizerKind } from './replica-optimizer';

/** Options of the fixture replica. */
export interface LinearReplicaOptions {
  inputs: number;
  outputs: number;
  seed: string;
  /** Default `sgd`. */
  optimizer?: ReplicaOptimizerKind;
  /** Adds a trainable variable `unused` [outputs] that the loss never reads (it has no gradient). */
  unusedVariable?: boolean;
  /** Adds a buffer: the running mean of `x` over the examples this replica has seen (momentum 0.5 per call). */
  runningMean?: boolean;
}

function payload(v: tf.Variable): TensorPayload {
  return { values: (v.dataSync() as Float32Array).slice(), shape: v.shape.slice(), dtype: 'float32' };
}

function busyWait(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // keep the thread busy, as a long kernel would
  }
}

/** Builds the replica (weights drawn from `seed`, so every call gives the same model). */
export function createReplica(options: LinearReplicaOptions): Replica {
  const rng = new Rng(options.seed);
  const weightValues = Float32Array.from({ length: options.inputs * options.outputs }, () => rng.normal());
  // No variable names: tfjs requires unique ones, and a spec may build several replicas in one thread.
  const named = new Map<string, tf.Variable>([
    ['weight', tf.tidy(() => tf.variable(tf.tensor2d(weightValues, [options.inputs, options.outputs])))],
    ['bias', tf.tidy(() => tf.variable(tf.zeros([options.outputs])))],
  ]);
  if (options.unusedVariable) named.set('unused', tf.tidy(() => tf.variable(tf.ones([options.outputs]))));
  const runningMean = options.runningMean ? tf.tidy(() => tf.variable(tf.zeros([options.inputs]), false)) : undefined;
  const optimizer = new ReplicaOptimizer(options.optimizer ?? 'sgd', named);
  const weight = named.get('weight') as tf.Variable;
  const bias = named.get('bias') as tf.Variable;
  let metrics: Record<string, number> = {};
  let failNextApply = false;
  const forward = (inputs: Record<string, tf.Tensor>) => tf.add(tf.matMul(inputs.x as tf.Tensor2D, weight), bias);

  return {
    variables: [...named.values()],
    buffers: runningMean ? [runningMean] : undefined,
    loss: (inputs, context) => {
      if (!isMainThread && typeof context.exitCode === 'number') process.exit(context.exitCode);
      if (!isMainThread && typeof context.busyMs === 'number') busyWait(context.busyMs);
      if (runningMean) runningMean.assign(tf.add(tf.mul(runningMean, 0.5), tf.mul(tf.mean(inputs.x, 0), 0.5)));
      const y = inputs.y.dataSync() as Float32Array;
      metrics = { meanTarget: y.reduce((a, b) => a + b, 0) / y.length };
      return tf.mean(tf.square(tf.sub(forward(inputs), inputs.y))) as tf.Scalar;
    },
    lastMetrics: () => metrics,
    applyGradients: (gradients, learningRate, step) => {
      if (failNextApply) {
        failNextApply = false;
        throw new Error('linear fixture: applyGradients failed on request');
      }
      optimizer.apply(gradients, learningRate, step);
    },
    getState: (): ReplicaState => ({
      tensors: {
        ...Object.fromEntries([...named].map(([name, v]) => [name, payload(v)])),
        ...(runningMean ? { runningMean: payload(runningMean) } : {}),
        ...optimizer.slotPayloads(),
      },
      json: { optimizer: optimizer.kind, lastStep: optimizer.lastStep },
    }),
    setState: (state) => {
      const json = state.json as { optimizer?: unknown; lastStep?: unknown } | null;
      if (json?.optimizer !== optimizer.kind || typeof json.lastStep !== 'number') throw new Error(`linear fixture: state of a ${String(json?.optimizer)} replica, this one uses ${optimizer.kind}`);
      const own = new Map(named);
      if (runningMean) own.set('runningMean', runningMean);
      for (const [name, v] of own) {
        const p = state.tensors[name];
        if (!p || p.values.length !== v.size) throw new Error(`linear fixture: state tensor ${name} ${p ? `has ${p.values.length} values, expected ${v.size}` : 'is missing'}`);
      }
      optimizer.setSlots(state.tensors);
      for (const [name, v] of own) v.assign(tf.tensor(state.tensors[name].values, v.shape, 'float32'));
      optimizer.lastStep = json.lastStep;
    },
    predict: (inputs, context) => {
      if (typeof context.perturb === 'number') weight.assign(tf.add(weight, context.perturb));
      if (context.failNextApply === true) failNextApply = true;
      return { y: forward(inputs) };
    },
    dispose: () => {
      tf.dispose([...named.values()]);
      runningMean?.dispose();
      optimizer.dispose();
    },
  };
}

/** The spec a trainer needs to load this fixture. */
export function linearReplicaSpec(options: LinearReplicaOptions): ReplicaSpec {
  return { module: path.join(__dirname, 'linear-replica.ts'), options };
}

/** A seeded batch for the fixture: `x` [examples, inputs] and `y` [examples, outputs], standard normal. */
export function linearBatch(examples: number, seed: string, inputs: number, outputs: number): BatchPayload {
  const rng = new Rng(seed);
  return {
    x: { values: Float32Array.from({ length: examples * inputs }, () => rng.normal()), shape: [examples, inputs], dtype: 'float32' },
    y: { values: Float32Array.from({ length: examples * outputs }, () => rng.normal()), shape: [examples, outputs], dtype: 'float32' },
  };
}
