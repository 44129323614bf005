/** Messages between a data-parallel trainer and its workers. */
import type { EngineBackend } from '@a2d/core';
import type { BatchPayload, ReplicaSpec, TensorPayload } from './replica';

/** Main thread -> worker. */
export type WorkerRequest =
  | { type: 'init'; replica: ReplicaSpec; backend: EngineBackend }
  | { type: 'getWeights' }
  | { type: 'setWeights'; values: Float32Array[] }
  | { type: 'gradients'; shard: BatchPayload }
  | { type: 'apply'; gradients: Float32Array[] }
  | { type: 'predict'; shard: BatchPayload };

/** Worker -> main thread. */
export type WorkerReply =
  | { type: 'ready'; backend: string; shapes: number[][] }
  | { type: 'weights'; values: Float32Array[] }
  | { type: 'done' }
  | { type: 'gradients'; loss: number; examples: number; gradients: Float32Array[] }
  | { type: 'prediction'; output: TensorPayload }
  | { type: 'error'; message: string };
