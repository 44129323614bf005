/** Messages between a replica trainer and the host of each replica (a worker thread, or the current thread). */
import type { EngineBackend } from '@a2d/core';
import type { SharedReducerOptions } from './batch-statistics-reducer';
import type { BatchPayload, ReplicaSpec, ReplicaState, StepContext, TensorPayload } from './replica';

/** What a data-parallel worker is started with (its `workerData`). */
export interface WorkerBootstrap {
  /** With two or more workers: the memory and this worker's place in the batch-norm all-reduce. */
  batchStatistics?: SharedReducerOptions;
}

/** Trainer -> replica host. */
export type WorkerRequest =
  | { type: 'init'; replica: ReplicaSpec; backend: EngineBackend; collectGarbageEvery?: number; threads?: number }
  | { type: 'getWeights' }
  | { type: 'setWeights'; values: Float32Array[] }
  | { type: 'getBuffers' }
  | { type: 'setBuffers'; values: TensorPayload[] }
  /**
   * `replicas`: workers 0..replicas-1 compute this batch's shards and synchronise their batch-norm statistics;
   * `update`: the optimizer update these gradients are for (named in a synchronisation error); `batch`: the trainer's
   * count of gradients requests, this one included (it tells one step's shared statistics from the next).
   */
  | { type: 'gradients'; shard: BatchPayload; context: StepContext; replicas: number; update: number; batch: number }
  | { type: 'apply'; gradients: Float32Array[]; learningRate: number; step: number }
  | { type: 'predict'; shard: BatchPayload; context: StepContext }
  | { type: 'getState' }
  | { type: 'setState'; state: ReplicaState }
  | { type: 'checksum' };

/** Replica host -> trainer. */
export type WorkerReply =
  | { type: 'ready'; backend: string; shapes: number[][] }
  | { type: 'weights'; values: Float32Array[] }
  | { type: 'buffers'; values: TensorPayload[] }
  | { type: 'done' }
  | { type: 'gradients'; loss: number; examples: number; metrics: Record<string, number>; gradients: Float32Array[] }
  | { type: 'prediction'; outputs: Record<string, TensorPayload> }
  | { type: 'state'; state: ReplicaState }
  | { type: 'checksum'; variables: string; buffers: string | null }
  | { type: 'error'; message: string; stack?: string };

/** The reply of type `T`. */
export type ReplyOf<T extends WorkerReply['type']> = Extract<WorkerReply, { type: T }>;

/** A request as posted to a worker: `id` pairs it with its reply, so a late reply can never answer a newer request. */
export interface RequestEnvelope {
  id: number;
  request: WorkerRequest;
}

/** A reply as posted by a worker. */
export interface ReplyEnvelope {
  id: number;
  reply: WorkerReply;
}
