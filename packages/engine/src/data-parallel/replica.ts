/**
 * The contract between a data-parallel trainer and the model it trains: a module that builds one
 * replica (the same weights in every worker), and tensors as plain arrays that cross threads.
 */
import type { tf } from '../index';

/** A tensor as typed array + shape: what crosses between threads. */
export interface TensorPayload {
  values: Float32Array | Int32Array;
  shape: number[];
  dtype: 'float32' | 'int32';
}

/** Named inputs of one batch (or one worker's shard of it). */
export type BatchPayload = Record<string, TensorPayload>;

/** One copy of the model inside a worker. */
export interface Replica {
  /** Trainable variables, in a fixed order (the same in every replica). */
  variables: tf.Variable[];
  /** Mean loss over the examples of `inputs` (axis 0 of every input is the example axis). */
  loss(inputs: Record<string, tf.Tensor>): tf.Scalar;
  /** Applies averaged gradients (one per variable, in `variables` order). Each replica has its own optimizer state. */
  optimizer: tf.Optimizer;
  /** Optional inference: the model's outputs for `inputs`. */
  predict?(inputs: Record<string, tf.Tensor>): tf.Tensor;
}

/** Where a worker finds the replica: an absolute module path exporting `createReplica(options)`. */
export interface ReplicaSpec {
  /** Absolute path of a .ts or .js module. */
  module: string;
  /** Export to call (default `createReplica`); it may return a promise. */
  exportName?: string;
  /** Structured-cloneable argument of the factory (e.g. sizes, seed). */
  options?: unknown;
}

/** Splits every input of a batch along axis 0 into `parts` contiguous shards (sizes differ by at most 1; empty shards dropped). */
export function splitBatch(batch: BatchPayload, parts: number): BatchPayload[] {
  const entries = Object.entries(batch);
  if (entries.length === 0) throw new Error('splitBatch: the batch has no inputs');
  const examples = entries[0][1].shape[0];
  for (const [name, payload] of entries) {
    if (payload.shape[0] !== examples) throw new Error(`splitBatch: input ${name} has ${payload.shape[0]} examples on axis 0, expected ${examples}`);
  }
  const shards: BatchPayload[] = [];
  let start = 0;
  for (let part = 0; part < parts; part++) {
    const count = Math.floor(examples / parts) + (part < examples % parts ? 1 : 0);
    if (count === 0) continue;
    const shard: BatchPayload = {};
    for (const [name, payload] of entries) {
      const row = payload.values.length / examples;
      shard[name] = { values: payload.values.slice(start * row, (start + count) * row), shape: [count, ...payload.shape.slice(1)], dtype: payload.dtype };
    }
    shards.push(shard);
    start += count;
  }
  return shards;
}
