/**
 * The contract between a data-parallel trainer and the model it trains: a module that builds one
 * replica (the same weights in every worker), and tensors as plain arrays that cross threads.
 */
import type * as tf from '@tensorflow/tfjs';

/**
 * A tensor as typed array + shape: what crosses between threads. `values` may be bytes (`Uint8Array`, e.g. raw
 * video frames: a quarter of the float32 size to move), converted to `dtype` when the tensor is made.
 */
export interface TensorPayload {
  values: Float32Array | Int32Array | Uint8Array;
  shape: number[];
  dtype: 'float32' | 'int32';
}

/** Named inputs of one batch (or one worker's shard of it). */
export type BatchPayload = Record<string, TensorPayload>;

/**
 * Per-call values the trainer sends with a shard (structured-cloneable): e.g. training progress, the step
 * number, per-clip decisions drawn on the main thread. The replica decides what it reads.
 */
export type StepContext = Readonly<Record<string, number | string | boolean | readonly number[] | readonly boolean[]>>;

/** A replica's complete resumable state: named arrays (weights, optimizer moments, EMA) plus JSON (counters, RNG states). */
export interface ReplicaState {
  tensors: Record<string, TensorPayload>;
  json: unknown;
}

/** One copy of the model inside a worker (or in the main thread for the in-process trainer). */
export interface Replica {
  /** Trainable variables, in a fixed order (the same in every replica); gradients are exchanged in this order. */
  variables: tf.Variable[];
  /**
   * Non-trainable variables the replica updates in `loss` (batch-norm moving statistics). Batch norm's come out the
   * same in every replica (its statistics are synchronised, and a worker given no shard takes worker 0's); any other
   * buffer may drift apart between workers, so `DataParallelTrainer.averageBuffers()` replaces them by their mean in
   * every replica (the loop calls it before evaluating or saving).
   */
  buffers?: tf.Variable[];
  /**
   * Mean loss over the examples of `inputs` (axis 0 of every input is the example axis). Runs inside
   * `tf.variableGrads`: it may `tf.keep` nothing; extra per-batch numbers go to `lastMetrics`.
   */
  loss(inputs: Record<string, tf.Tensor>, context: StepContext): tf.Scalar;
  /**
   * Numbers measured during the last `loss` call (e.g. each loss term, correct counts), read right after it.
   * The trainer combines shards' values weighted by their example counts (so means stay means).
   */
  lastMetrics?(): Record<string, number>;
  /**
   * One optimizer update: `gradients` in `variables` order (already averaged over every shard and clipped),
   * at `learningRate`. `step` is the 1-based number of this update. Each replica holds its own optimizer state.
   */
  applyGradients(gradients: tf.Tensor[], learningRate: number, step: number): void;
  /** Everything needed to continue exactly (weights incl. non-trainable ones, optimizer state, RNG streams...). */
  getState(): ReplicaState;
  /**
   * Restores `getState()` output (throws naming what does not match). Also called right after the replica is built
   * in every worker but 0, with worker 0's state, so the replicas start identical.
   */
  setState(state: ReplicaState): void;
  /** Optional inference: named outputs for `inputs` (e.g. probabilities). */
  predict?(inputs: Record<string, tf.Tensor>, context: StepContext): Record<string, tf.Tensor>;
  /** Optional: frees the replica's tensors (called by `stop`). */
  dispose?(): void;
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
