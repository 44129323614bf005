/**
 * Data-parallel training on worker threads, each with its own tfjs engine and wasm instance: wasm runs one thread
 * in Node, so this is how training uses every core. Each batch is split into one shard per worker; every worker
 * takes the gradients of its shard, the main thread averages them (weighted by shard size, so the result is the
 * whole batch's mean-loss gradient) and every worker applies the same average with its own optimizer state, so the
 * replicas stay bit-identical. Batch norm uses the whole batch's statistics in every replica (synchronised through
 * shared memory, `batch-statistics-reducer.ts`), so one worker or several train the same function and the batch-norm
 * running statistics stay identical; `averageBuffers` reconciles any other per-replica buffers.
 *
 * A worker that dies or stops answering (`requestTimeoutMs`), or an update that fails in some replicas, fails the
 * trainer: the workers are terminated and every later call rejects with `TrainerFailedError`.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EngineBackend } from '@a2d/core';
import { preferSleepingOpenMpThreads } from '../native/native-addon';
import { createBatchStatisticsMemory } from './batch-statistics-reducer';
import type { ReplicaSpec } from './replica';
import { ReplicaGroupTrainer, type ReplicaEndpoint } from './replica-trainer';
import { ReplicaError } from './trainer-errors';
import type { ReplyEnvelope, ReplyOf, RequestEnvelope, WorkerBootstrap, WorkerReply, WorkerRequest } from './worker-protocol';

/** Options of `DataParallelTrainer.start`. */
export interface DataParallelOptions {
  /** Worker threads (one replica each); default: 2. */
  workers?: number;
  /** The model module every worker loads. */
  replica: ReplicaSpec;
  /** Backend inside each worker (default `wasm`). */
  backend?: EngineBackend;
  /**
   * oneDNN threads in each worker on the `native` backend (the other backends ignore it). Default: the cores divided
   * by the workers (at least 1), since every worker's oneDNN would otherwise start a thread per core.
   */
  threadsPerWorker?: number;
  /** A request (gradients, update...) not answered within this many ms fails the trainer; default 30 minutes (starting is never given less). */
  requestTimeoutMs?: number;
  /** Run `verifyReplicas` after every this many applied updates; a divergence fails the trainer. Default 50; 0: never. */
  verifyEvery?: number;
  /**
   * Each worker runs a full V8 garbage collection after every this many applied updates. Without it a worker's heap
   * grows for many epochs before V8 collects it (trainer:bench, 12 epochs: RSS +19% without, +9% every 8, +3% every
   * 4; each collection costs some throughput). Default 4; 0: never.
   */
  collectGarbageEvery?: number;
}

interface Pending {
  id: number;
  expected: WorkerReply['type'];
  resolve(reply: WorkerReply): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** One worker thread and its one request in flight. */
class WorkerChannel implements ReplicaEndpoint {
  private pending: Pending | undefined;
  private nextId = 1;
  /** Why the worker is gone, once it is. */
  private gone: ReplicaError | undefined;

  constructor(
    private readonly worker: Worker,
    private readonly index: number,
    private readonly timeoutMs: number,
    private readonly onFailure: (cause: Error) => void,
  ) {
    worker.on('message', (envelope: ReplyEnvelope) => this.receive(envelope));
    worker.on('error', (error) => this.lost(new ReplicaError(index, `crashed: ${error.message}`, { replicaStack: error.stack, event: true })));
    worker.on('exit', (code) => this.lost(new ReplicaError(index, `exited with code ${code}`, { exitCode: code, event: true })));
  }

  request<T extends WorkerReply['type']>(request: WorkerRequest, expected: T, transfer: ArrayBuffer[] = []): Promise<ReplyOf<T>> {
    if (this.gone) return Promise.reject(this.gone);
    if (this.pending) return Promise.reject(new ReplicaError(this.index, `a request is already in flight (${request.type} refused)`));
    return new Promise<ReplyOf<T>>((resolve, reject) => {
      const id = this.nextId++;
      // Starting loads tfjs and the replica module (compiled on the fly from TypeScript): never less than the default.
      const timeoutMs = request.type === 'init' ? Math.max(this.timeoutMs, defaultTimeoutMs) : this.timeoutMs;
      const timer = setTimeout(() => this.onFailure(new ReplicaError(this.index, `gave no reply to '${request.type}' within ${timeoutMs} ms`, { event: true })), timeoutMs);
      timer.unref();
      this.pending = { id, expected, resolve: (reply) => resolve(reply as ReplyOf<T>), reject, timer };
      try {
        this.worker.postMessage({ id, request } satisfies RequestEnvelope, transfer);
      } catch (error) {
        this.settle()?.reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  abort(error: Error): void {
    this.settle()?.reject(error);
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }

  private receive({ id, reply }: ReplyEnvelope): void {
    if (this.pending?.id !== id) return; // a reply to a request already given up on
    const pending = this.settle();
    if (!pending) return;
    if (reply.type === 'error') pending.reject(new ReplicaError(this.index, reply.message, { replicaStack: reply.stack }));
    else if (reply.type !== pending.expected) pending.reject(new ReplicaError(this.index, `expected a '${pending.expected}' reply, got '${reply.type}'`));
    else pending.resolve(reply);
  }

  private lost(error: ReplicaError): void {
    this.gone ??= error;
    this.abort(error);
    this.onFailure(error);
  }

  /** Takes the pending request out (clearing its timer). */
  private settle(): Pending | undefined {
    const pending = this.pending;
    this.pending = undefined;
    if (pending) clearTimeout(pending.timer);
    return pending;
  }
}

/** Default `requestTimeoutMs`: 30 minutes. */
const defaultTimeoutMs = 30 * 60 * 1000;

function workerEntry(): { file: string; execArgv: string[] } {
  const js = path.join(__dirname, 'data-parallel-worker.js');
  if (existsSync(js)) return { file: js, execArgv: [] };
  // Running from TypeScript sources (tsx, jest): the worker needs tsx's require hook to load .ts files.
  return { file: path.join(__dirname, 'data-parallel-worker.ts'), execArgv: ['--require', require.resolve('tsx/cjs')] };
}

function nonNegativeInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new Error(`DataParallelTrainer: ${name} must be a non-negative integer, got ${value}`);
  return value;
}

/** Trains one model on several worker threads; see the file comment and `ReplicaTrainer`. */
export class DataParallelTrainer extends ReplicaGroupTrainer {
  private constructor(workers: number, timeoutMs: number, verifyEvery: number) {
    const entry = workerEntry();
    super(
      'DataParallelTrainer',
      (onFailure) => {
        const memory = workers > 1 ? createBatchStatisticsMemory(workers) : undefined;
        const bootstrap = (replica: number): WorkerBootstrap => (memory ? { batchStatistics: { memory, replica, replicas: workers, timeoutMs } } : {});
        return Array.from({ length: workers }, (_, i) => new WorkerChannel(new Worker(entry.file, { execArgv: entry.execArgv, workerData: bootstrap(i) }), i, timeoutMs, onFailure));
      },
      verifyEvery,
    );
  }

  /** Starts the workers, builds a replica in each, and copies worker 0's complete state to the others. */
  static async start(options: DataParallelOptions): Promise<DataParallelTrainer> {
    const workers = options.workers ?? 2;
    if (!Number.isInteger(workers) || workers < 1) throw new Error(`DataParallelTrainer: workers must be a positive integer, got ${workers}`);
    const timeoutMs = options.requestTimeoutMs ?? defaultTimeoutMs;
    if (!(timeoutMs > 0) || timeoutMs > 2 ** 31 - 1) throw new Error(`DataParallelTrainer: requestTimeoutMs must be between 1 and ${2 ** 31 - 1}, got ${timeoutMs}`);
    const verifyEvery = nonNegativeInteger('verifyEvery', options.verifyEvery ?? 50);
    if (options.backend === 'native') preferSleepingOpenMpThreads();
    const trainer = new DataParallelTrainer(workers, timeoutMs, verifyEvery);
    try {
      const collectGarbageEvery = nonNegativeInteger('collectGarbageEvery', options.collectGarbageEvery ?? 4);
      const threads = options.threadsPerWorker ?? Math.max(1, Math.floor(availableParallelism() / workers));
      if (!Number.isInteger(threads) || threads < 1) throw new Error(`DataParallelTrainer: threadsPerWorker must be a positive integer, got ${threads}`);
      await trainer.initialize({ type: 'init', replica: options.replica, backend: options.backend ?? 'wasm', collectGarbageEvery, threads });
      return trainer;
    } catch (error) {
      await trainer.stop();
      throw error;
    }
  }
}
