/**
 * Data-parallel training on worker threads, each with its own wasm instance: wasm runs one thread
 * in Node, so this is how training uses every core. Each step, every worker computes the gradients
 * of its shard; the trainer averages them (weighted by shard size, so the result is the full batch's
 * mean-loss gradient when the loss is a per-example mean) and every worker applies the same average
 * with its own optimizer, so the replicas stay identical. Batch statistics (batch norm) are per shard.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EngineBackend } from '@a2d/core';
import type { BatchPayload, ReplicaSpec, TensorPayload } from './replica';
import type { WorkerReply, WorkerRequest } from './worker-protocol';

/** Options of `DataParallelTrainer.start`. */
export interface DataParallelOptions {
  /** Worker threads (one replica each); default: 2. */
  workers?: number;
  /** The model module every worker loads. */
  replica: ReplicaSpec;
  /** Backend inside each worker (default `wasm`). */
  backend?: EngineBackend;
}

interface Pending {
  resolve(reply: WorkerReply): void;
  reject(error: Error): void;
}

class WorkerChannel {
  private pending: Pending | undefined;

  constructor(
    readonly worker: Worker,
    readonly index: number,
  ) {
    worker.on('message', (reply: WorkerReply) => {
      const pending = this.pending;
      this.pending = undefined;
      if (!pending) return;
      if (reply.type === 'error') pending.reject(new Error(`data-parallel worker ${index}: ${reply.message}`));
      else pending.resolve(reply);
    });
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`data-parallel worker ${index} exited with code ${code}`)));
  }

  request<T extends WorkerReply['type']>(message: WorkerRequest, expected: T, transfer: ArrayBuffer[] = []): Promise<Extract<WorkerReply, { type: T }>> {
    if (this.pending) return Promise.reject(new Error(`data-parallel worker ${this.index}: a request is already in flight`));
    return new Promise((resolve, reject) => {
      this.pending = {
        resolve: (reply) => {
          if (reply.type === expected) resolve(reply as Extract<WorkerReply, { type: T }>);
          else reject(new Error(`data-parallel worker ${this.index}: expected ${expected}, got ${reply.type}`));
        },
        reject,
      };
      this.worker.postMessage(message, transfer);
    });
  }

  private fail(error: Error): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(error);
  }
}

function workerEntry(): { file: string; execArgv: string[] } {
  const js = path.join(__dirname, 'data-parallel-worker.js');
  if (existsSync(js)) return { file: js, execArgv: [] };
  // Running from TypeScript sources (tsx, jest): the worker needs tsx's require hook to load .ts files.
  return { file: path.join(__dirname, 'data-parallel-worker.ts'), execArgv: ['--require', require.resolve('tsx/cjs')] };
}

/** Trains one model on several worker threads; see the file comment. */
export class DataParallelTrainer {
  private constructor(
    private readonly channels: WorkerChannel[],
    /** The tfjs backend each worker runs. */
    readonly backend: string,
    /** Shapes of the trainable variables, in the replica's order. */
    readonly shapes: number[][],
  ) {}

  /** Starts the workers, builds a replica in each, and copies worker 0's initial weights to the others. */
  static async start(options: DataParallelOptions): Promise<DataParallelTrainer> {
    const count = options.workers ?? 2;
    if (!Number.isInteger(count) || count < 1) throw new Error(`DataParallelTrainer: workers must be a positive integer, got ${count}`);
    const entry = workerEntry();
    const channels = Array.from({ length: count }, (_, i) => new WorkerChannel(new Worker(entry.file, { execArgv: entry.execArgv }), i));
    try {
      const ready = await Promise.all(channels.map((c) => c.request({ type: 'init', replica: options.replica, backend: options.backend ?? 'wasm' }, 'ready')));
      const trainer = new DataParallelTrainer(channels, ready[0].backend, ready[0].shapes);
      if (count > 1) {
        const { values } = await channels[0].request({ type: 'getWeights' }, 'weights');
        await Promise.all(channels.slice(1).map((c) => c.request({ type: 'setWeights', values }, 'done')));
      }
      return trainer;
    } catch (error) {
      await Promise.all(channels.map((c) => c.worker.terminate()));
      throw error;
    }
  }

  /** Number of workers. */
  get workers(): number {
    return this.channels.length;
  }

  /**
   * One optimizer step on a batch given as one shard per worker (see `splitBatch`); fewer shards than
   * workers leave the rest idle. Returns the batch's mean loss (shard losses weighted by shard size).
   */
  async step(shards: BatchPayload[]): Promise<number> {
    if (shards.length === 0 || shards.length > this.channels.length) {
      throw new Error(`DataParallelTrainer.step: expected 1..${this.channels.length} shards, got ${shards.length}`);
    }
    const replies = await Promise.all(shards.map((shard, i) => this.channels[i].request({ type: 'gradients', shard }, 'gradients')));
    const total = replies.reduce((sum, r) => sum + r.examples, 0);
    const averaged = replies[0].gradients;
    const first = replies[0].examples / total;
    for (const gradient of averaged) for (let j = 0; j < gradient.length; j++) gradient[j] *= first;
    for (const reply of replies.slice(1)) {
      const weight = reply.examples / total;
      reply.gradients.forEach((gradient, i) => {
        const into = averaged[i];
        for (let j = 0; j < gradient.length; j++) into[j] += weight * gradient[j];
      });
    }
    await Promise.all(this.channels.map((c) => c.request({ type: 'apply', gradients: averaged }, 'done')));
    return replies.reduce((sum, r) => sum + (r.loss * r.examples) / total, 0);
  }

  /** The model's outputs for each shard (run in parallel, one shard per worker). */
  async predict(shards: BatchPayload[]): Promise<TensorPayload[]> {
    if (shards.length === 0 || shards.length > this.channels.length) {
      throw new Error(`DataParallelTrainer.predict: expected 1..${this.channels.length} shards, got ${shards.length}`);
    }
    const replies = await Promise.all(shards.map((shard, i) => this.channels[i].request({ type: 'predict', shard }, 'prediction')));
    return replies.map((r) => r.output);
  }

  /** Current weights (from worker 0; every replica holds the same). */
  async weights(): Promise<Float32Array[]> {
    return (await this.channels[0].request({ type: 'getWeights' }, 'weights')).values;
  }

  /** Stops every worker. */
  async stop(): Promise<void> {
    await Promise.all(this.channels.map((c) => c.worker.terminate()));
  }
}
