/**
 * The training loop's view of a model's replicas, wherever they run (`ReplicaTrainer`), and the one implementation
 * both trainers share: gradients of a batch's shards are accumulated (example-weighted) on the main thread,
 * averaged, checked for non-finite values, clipped to a global norm and applied by every replica with the same
 * learning rate and step number, so the replicas stay bit-identical.
 */
import type { BatchPayload, ReplicaState, StepContext, TensorPayload } from './replica';
import { ReplicaDivergenceError, TrainerFailedError, TrainerStoppedError } from './trainer-errors';
import type { ReplyOf, WorkerReply, WorkerRequest } from './worker-protocol';

/** What `computeGradients` measured on one (micro-)batch. */
export interface GradientSummary {
  /** Mean loss over the batch (shard losses weighted by their example counts). */
  loss: number;
  /** Examples in the batch. */
  examples: number;
  /** The replica's `lastMetrics()`, combined over shards weighted by example counts. */
  metrics: Record<string, number>;
  /** False when some shard's loss or gradient holds NaN or Infinity (the next `applyGradients` then applies nothing). */
  finite: boolean;
  /** Indices (in `shards`) of the shards with a non-finite loss or gradient. */
  nonFiniteShards: number[];
}

/** What `applyGradients` did. */
export interface ApplySummary {
  /** False when the accumulated gradient was not finite: nothing was applied and the buffer was cleared. */
  applied: boolean;
  /** Global L2 norm of the averaged gradient before clipping (NaN or Infinity when not finite). */
  gradNorm: number;
  /** Whether the gradient was scaled down to `clipNorm`. */
  clipped: boolean;
  /** `stepCount` after the call (the number of this update when applied). */
  step: number;
}

/** Options of `applyGradients`. */
export interface ApplyOptions {
  /** Learning rate of this update (a schedule computes it from the step or epoch the loop keeps). */
  learningRate: number;
  /** Clip the averaged gradient to this global L2 norm; undefined or 0: no clipping. */
  clipNorm?: number;
}

/** Options of `step`. */
export interface StepOptions extends ApplyOptions {
  /** Sent with every shard to the replica's `loss` (default `{}`). */
  context?: StepContext;
}

/** Everything a trainer needs to continue exactly: the update count and each replica's complete state. */
export interface TrainerState {
  /** Optimizer updates applied so far. */
  stepCount: number;
  /** One per worker, in worker order. */
  replicas: ReplicaState[];
}

/** A model's replicas and their optimizer, as a training loop drives them (in worker threads or in this thread). */
export interface ReplicaTrainer {
  /** Replicas (worker threads; 1 for the in-process trainer). */
  readonly workers: number;
  /** The tfjs backend the replicas run on. */
  readonly backend: string;
  /** Shapes of the trainable variables, in the replica's order. */
  readonly shapes: number[][];
  /** Optimizer updates applied so far (restored by `setState`). */
  readonly stepCount: number;
  /**
   * Gradients of one (micro-)batch given as shards (one per worker, see `splitBatch`), added (example-weighted) to the
   * accumulated gradient; nothing is applied. Batch norm in the replicas uses the whole batch's statistics; workers
   * given no shard take worker 0's buffers afterwards.
   */
  computeGradients(shards: BatchPayload[], context: StepContext, options?: ShardOptions): Promise<GradientSummary>;
  /**
   * Averages the accumulated gradient over all accumulated examples, clips it to `clipNorm`, applies it in every
   * replica at `learningRate` as update `stepCount + 1`, and clears it. A non-finite gradient is cleared, not applied.
   */
  applyGradients(options: ApplyOptions): Promise<ApplySummary>;
  /** `computeGradients` and then `applyGradients` (together with whatever was accumulated before). */
  step(shards: BatchPayload[], options: StepOptions): Promise<GradientSummary & ApplySummary>;
  /** The replica's named outputs for each shard, in order (one shard per worker, run in parallel). */
  predict(shards: BatchPayload[], context: StepContext, options?: ShardOptions): Promise<Record<string, TensorPayload>[]>;
  /** The trainable variables' values (worker 0's; every replica holds the same). */
  weights(): Promise<Float32Array[]>;
  /** Assigns the trainable variables in every replica (the optimizer state is kept). */
  setWeights(values: Float32Array[]): Promise<void>;
  /** Assigns every replica's `buffers` their mean over the replicas (no-op with one worker, no buffers, or identical ones). */
  averageBuffers(): Promise<void>;
  /** The update count and every replica's state; refused while gradients are accumulated but not applied. */
  getState(): Promise<TrainerState>;
  /** Restores `getState()` output of a trainer with the same number of workers, and clears the accumulated gradient. */
  setState(state: TrainerState): Promise<void>;
  /** Per replica: CRC-32 (hex) of the trainable variables' bytes, then `-` and the buffers' CRC when there are buffers. */
  checksum(): Promise<string[]>;
  /**
   * Throws `ReplicaDivergenceError` naming the workers whose trainable variables differ from worker 0's. Buffers are
   * not compared: batch-norm statistics are identical, but a replica's other buffers may follow its own shard until
   * `averageBuffers`.
   */
  verifyReplicas(): Promise<void>;
  /** Stops the replicas; every call in flight or made later rejects with `TrainerStoppedError`. Idempotent. */
  stop(): Promise<void>;
}

/** How shards travel to the replicas. */
export interface ShardOptions {
  /**
   * Transfer the shards' buffers to the worker threads instead of copying them (they are detached afterwards:
   * only for shards the caller no longer reads, such as those `splitBatch` made). Default: copy.
   */
  transfer?: boolean;
}

/** The distinct buffers of a shard's arrays, when `options.transfer` asks for them. */
function shardBuffers(shard: BatchPayload, options: ShardOptions): ArrayBuffer[] {
  if (!options.transfer) return [];
  return [...new Set(Object.values(shard).map((p) => p.values.buffer as ArrayBuffer))];
}

/** One replica's host as the trainer sees it: a worker thread, or the replica in this thread. */
export interface ReplicaEndpoint {
  /** Sends one request (at most one in flight) and resolves with its reply of type `expected`. */
  request<T extends WorkerReply['type']>(request: WorkerRequest, expected: T, transfer?: ArrayBuffer[]): Promise<ReplyOf<T>>;
  /** Rejects the request in flight, if any, with `error`. */
  abort(error: Error): void;
  /** Frees the replica (terminates its worker). */
  close(): Promise<void>;
}

/** Builds a trainer's endpoints; each calls `onFailure` when its replica is lost (worker death, timeout). */
export type ConnectEndpoints = (onFailure: (cause: Error) => void) => ReplicaEndpoint[];

/** Gradients summed over accumulated examples (float64, so many micro-batches lose nothing). */
interface Accumulated {
  sums: Float64Array[];
  examples: number;
  finite: boolean;
}

function examplesIn(shard: BatchPayload, index: number): number {
  const first = Object.values(shard)[0];
  const examples = first?.shape[0] ?? 0;
  if (!Number.isInteger(examples) || examples < 1) throw new Error(`shard ${index} holds no examples`);
  return examples;
}

function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let j = 0; j < a.length; j++) if (a[j] !== b[j] && !(Number.isNaN(a[j]) && Number.isNaN(b[j]))) return false;
  return true;
}

function combinedError(operation: string, errors: Error[]): Error {
  if (errors.length === 1) return errors[0];
  return new AggregateError(errors, `${operation}: ${errors.length} replicas failed: ${errors.map((e) => e.message).join('; ')}`);
}

/** The shared implementation of `ReplicaTrainer` (see the file comment); subclasses only connect endpoints. */
export abstract class ReplicaGroupTrainer implements ReplicaTrainer {
  private readonly endpoints: ReplicaEndpoint[];
  private info: { backend: string; shapes: number[][] } = { backend: '', shapes: [] };
  private updates = 0;
  /** Gradients requests sent so far (each replica's batch-norm synchronisation tells steps apart by it). */
  private gradientRequests = 0;
  private accumulated: Accumulated | undefined;
  private failure: TrainerFailedError | undefined;
  private stopped = false;
  private closing: Promise<void> | undefined;
  /** Calls run one after another (each waits for the previous one to settle). */
  private queue: Promise<void> = Promise.resolve();

  protected constructor(
    /** Class name used in error messages. */
    private readonly name: string,
    connect: ConnectEndpoints,
    /** Run `verifyReplicas` after every this many applied updates (0: never). */
    private readonly verifyEvery: number,
  ) {
    this.endpoints = connect((cause) => this.fail(cause));
  }

  get workers(): number {
    return this.endpoints.length;
  }

  get backend(): string {
    return this.info.backend;
  }

  get shapes(): number[][] {
    return this.info.shapes.map((s) => s.slice());
  }

  get stepCount(): number {
    return this.updates;
  }

  /** Builds the replica in every endpoint and copies replica 0's complete state to the others. */
  protected async initialize(request: Extract<WorkerRequest, { type: 'init' }>): Promise<void> {
    await this.exclusive(async () => {
      const ready = await this.settle('start', this.endpoints.map((e) => e.request(request, 'ready')), false);
      const shapes = JSON.stringify(ready[0].shapes);
      ready.forEach((r, i) => {
        if (JSON.stringify(r.shapes) !== shapes) throw new Error(`${this.name}: replica ${i} has variable shapes ${JSON.stringify(r.shapes)}, replica 0 ${shapes}`);
      });
      this.info = { backend: ready[0].backend, shapes: ready[0].shapes };
      if (this.workers > 1) {
        const { state } = await this.endpoints[0].request({ type: 'getState' }, 'state');
        await this.settle('start', this.endpoints.slice(1).map((e) => e.request({ type: 'setState', state }, 'done')), true);
      }
    });
  }

  computeGradients(shards: BatchPayload[], context: StepContext = {}, options: ShardOptions = {}): Promise<GradientSummary> {
    return this.exclusive(async () => {
      const examples = this.checkShards('computeGradients', shards);
      // Only workers 0..shards.length-1 get a shard (never an empty one): they alone synchronise batch statistics.
      const batch = ++this.gradientRequests;
      const request = (shard: BatchPayload): WorkerRequest => ({ type: 'gradients', shard, context, replicas: shards.length, update: this.updates + 1, batch });
      const replies = await this.settle('computeGradients', shards.map((shard, i) => this.endpoints[i].request(request(shard), 'gradients', shardBuffers(shard, options))), false);
      const shapes = this.info.shapes;
      const acc = (this.accumulated ??= { sums: shapes.map((s) => new Float64Array(s.reduce((a, b) => a * b, 1))), examples: 0, finite: true });
      replies.forEach((r, i) => {
        if (r.gradients.length !== acc.sums.length || r.gradients.some((g, k) => g.length !== acc.sums[k].length)) {
          throw new Error(`${this.name}.computeGradients: replica ${i} returned gradients of the wrong sizes`);
        }
      });
      const nonFiniteShards: number[] = [];
      let loss = 0;
      const metricSums: Record<string, { sum: number; examples: number }> = {};
      replies.forEach((r, i) => {
        // NaN or Infinity anywhere makes the float64 sum non-finite (float32 values cannot overflow it).
        let check = r.loss;
        r.gradients.forEach((g, k) => {
          const sum = acc.sums[k];
          for (let j = 0; j < g.length; j++) {
            check += g[j];
            sum[j] += g[j] * r.examples;
          }
        });
        if (!Number.isFinite(check)) nonFiniteShards.push(i);
        loss += (r.loss * r.examples) / examples;
        for (const [name, value] of Object.entries(r.metrics)) {
          const m = (metricSums[name] ??= { sum: 0, examples: 0 });
          m.sum += value * r.examples;
          m.examples += r.examples;
        }
      });
      acc.examples += examples;
      if (nonFiniteShards.length > 0) acc.finite = false;
      // Workers without a shard (a batch smaller than the worker count) did not update their buffers: they take worker
      // 0's, which with synchronised batch norm are the whole batch's running statistics in every replica.
      if (shards.length < this.workers) await this.copyBuffers(shards.length);
      const metrics = Object.fromEntries(Object.entries(metricSums).map(([name, m]) => [name, m.sum / m.examples]));
      return { loss, examples, metrics, finite: nonFiniteShards.length === 0, nonFiniteShards };
    });
  }

  applyGradients(options: ApplyOptions): Promise<ApplySummary> {
    return this.exclusive(async () => {
      const { learningRate, clipNorm } = options;
      if (!Number.isFinite(learningRate) || learningRate < 0) throw new Error(`${this.name}.applyGradients: learningRate must be a finite number >= 0, got ${learningRate}`);
      if (clipNorm !== undefined && !(clipNorm >= 0)) throw new Error(`${this.name}.applyGradients: clipNorm must be positive (or 0 / undefined: no clipping), got ${clipNorm}`);
      const acc = this.accumulated;
      if (!acc || acc.examples === 0) throw new Error(`${this.name}.applyGradients: no gradients accumulated (call computeGradients first)`);
      this.accumulated = undefined;
      if (!acc.finite) return { applied: false, gradNorm: NaN, clipped: false, step: this.updates };

      const averaged = acc.sums.map((sum) => {
        const mean = new Float32Array(sum.length);
        for (let j = 0; j < sum.length; j++) mean[j] = sum[j] / acc.examples;
        return mean;
      });
      let squares = 0;
      for (const g of averaged) for (let j = 0; j < g.length; j++) squares += g[j] * g[j];
      const gradNorm = Math.sqrt(squares);
      if (!Number.isFinite(gradNorm)) return { applied: false, gradNorm, clipped: false, step: this.updates };
      const clipped = clipNorm !== undefined && clipNorm > 0 && gradNorm > clipNorm;
      if (clipped) {
        const scale = clipNorm / gradNorm;
        for (const g of averaged) for (let j = 0; j < g.length; j++) g[j] *= scale;
      }

      const step = this.updates + 1;
      await this.settle('applyGradients', this.endpoints.map((e) => e.request({ type: 'apply', gradients: averaged, learningRate, step }, 'done')), true);
      this.updates = step;
      if (this.workers > 1 && this.verifyEvery > 0 && step % this.verifyEvery === 0) {
        const divergence = await this.divergence();
        if (divergence) {
          this.fail(divergence);
          this.throwIfUnusable();
        }
      }
      return { applied: true, gradNorm, clipped, step };
    });
  }

  async step(shards: BatchPayload[], options: StepOptions): Promise<GradientSummary & ApplySummary> {
    const gradients = await this.computeGradients(shards, options.context ?? {});
    const applied = await this.applyGradients({ learningRate: options.learningRate, clipNorm: options.clipNorm });
    return { ...gradients, ...applied };
  }

  predict(shards: BatchPayload[], context: StepContext = {}, options: ShardOptions = {}): Promise<Record<string, TensorPayload>[]> {
    return this.exclusive(async () => {
      this.checkShards('predict', shards);
      const replies = await this.settle('predict', shards.map((shard, i) => this.endpoints[i].request({ type: 'predict', shard, context }, 'prediction', shardBuffers(shard, options))), false);
      return replies.map((r) => r.outputs);
    });
  }

  weights(): Promise<Float32Array[]> {
    return this.exclusive(async () => (await this.settle('weights', [this.endpoints[0].request({ type: 'getWeights' }, 'weights')], false))[0].values);
  }

  setWeights(values: Float32Array[]): Promise<void> {
    return this.exclusive(async () => {
      const shapes = this.info.shapes;
      if (values.length !== shapes.length) throw new Error(`${this.name}.setWeights: got ${values.length} arrays for ${shapes.length} variables`);
      values.forEach((v, i) => {
        const size = shapes[i].reduce((a, b) => a * b, 1);
        if (v.length !== size) throw new Error(`${this.name}.setWeights: array ${i} has ${v.length} values, variable ${i} [${shapes[i].join(', ')}] has ${size}`);
      });
      await this.settle('setWeights', this.endpoints.map((e) => e.request({ type: 'setWeights', values }, 'done')), true);
    });
  }

  averageBuffers(): Promise<void> {
    return this.exclusive(async () => {
      if (this.workers === 1) return;
      const replies = await this.settle('averageBuffers', this.endpoints.map((e) => e.request({ type: 'getBuffers' }, 'buffers')), false);
      const first = replies[0].values;
      // Synchronised batch norm keeps its running statistics identical: nothing to average then.
      if (replies.every((r) => r.values.every((p, k) => sameValues(p.values, first[k].values)))) return;
      const mean = first.map((payload, k) => {
        const sums = new Float64Array(payload.values.length);
        for (const r of replies) {
          const values = r.values[k].values;
          for (let j = 0; j < values.length; j++) sums[j] += values[j];
        }
        const out = payload.dtype === 'int32' ? new Int32Array(sums.length) : new Float32Array(sums.length);
        for (let j = 0; j < sums.length; j++) out[j] = payload.dtype === 'int32' ? Math.round(sums[j] / replies.length) : sums[j] / replies.length;
        return { values: out, shape: payload.shape, dtype: payload.dtype };
      });
      await this.settle('averageBuffers', this.endpoints.map((e) => e.request({ type: 'setBuffers', values: mean }, 'done')), true);
    });
  }

  getState(): Promise<TrainerState> {
    return this.exclusive(async () => {
      if (this.accumulated && this.accumulated.examples > 0) {
        throw new Error(`${this.name}.getState: gradients of ${this.accumulated.examples} examples are accumulated but not applied; call applyGradients first`);
      }
      const replies = await this.settle('getState', this.endpoints.map((e) => e.request({ type: 'getState' }, 'state')), false);
      return { stepCount: this.updates, replicas: replies.map((r) => r.state) };
    });
  }

  setState(state: TrainerState): Promise<void> {
    return this.exclusive(async () => {
      if (state.replicas.length !== this.workers) {
        throw new Error(`${this.name}.setState: the state holds ${state.replicas.length} replica${state.replicas.length === 1 ? '' : 's'}, this trainer has ${this.workers} worker${this.workers === 1 ? '' : 's'}; resume with the same number of workers`);
      }
      if (!Number.isInteger(state.stepCount) || state.stepCount < 0) throw new Error(`${this.name}.setState: stepCount must be a non-negative integer, got ${state.stepCount}`);
      this.accumulated = undefined;
      await this.settle('setState', this.endpoints.map((e, i) => e.request({ type: 'setState', state: state.replicas[i] }, 'done')), true);
      this.updates = state.stepCount;
    });
  }

  checksum(): Promise<string[]> {
    return this.exclusive(async () => (await this.checksums()).map((c) => (c.buffers === null ? c.variables : `${c.variables}-${c.buffers}`)));
  }

  verifyReplicas(): Promise<void> {
    return this.exclusive(async () => {
      const divergence = await this.divergence();
      if (divergence) throw divergence;
    });
  }

  async stop(): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      const error = new TrainerStoppedError(this.name);
      for (const e of this.endpoints) e.abort(error);
    }
    await this.closeEndpoints();
  }

  /** Gives workers `from`..workers-1 worker 0's buffers. */
  private async copyBuffers(from: number): Promise<void> {
    const [{ values }] = await this.settle('computeGradients', [this.endpoints[0].request({ type: 'getBuffers' }, 'buffers')], false);
    if (values.length === 0) return;
    await this.settle('computeGradients', this.endpoints.slice(from).map((e) => e.request({ type: 'setBuffers', values }, 'done')), true);
  }

  private async checksums(): Promise<ReplyOf<'checksum'>[]> {
    return this.settle('checksum', this.endpoints.map((e) => e.request({ type: 'checksum' }, 'checksum')), false);
  }

  private async divergence(): Promise<ReplicaDivergenceError | undefined> {
    if (this.workers === 1) return undefined;
    const checksums = await this.checksums();
    const differing = checksums.flatMap((c, i) => (c.variables !== checksums[0].variables ? [i] : []));
    return differing.length > 0 ? new ReplicaDivergenceError(differing, checksums.map((c) => c.variables)) : undefined;
  }

  private checkShards(operation: string, shards: BatchPayload[]): number {
    if (shards.length === 0 || shards.length > this.workers) {
      throw new Error(`${this.name}.${operation}: expected 1..${this.workers} shards, got ${shards.length}`);
    }
    return shards.reduce((sum, shard, i) => sum + examplesIn(shard, i), 0);
  }

  /** Waits for every request (never leaving one pending), then throws their errors together; a failed mutation fails the trainer. */
  private async settle<T>(operation: string, requests: Promise<T>[], mutates: boolean): Promise<T[]> {
    const results = await Promise.allSettled(requests);
    this.throwIfUnusable();
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason instanceof Error ? r.reason : new Error(String(r.reason))] : []));
    if (errors.length === 0) return results.map((r) => (r as PromiseFulfilledResult<T>).value);
    const error = combinedError(`${this.name}.${operation}`, errors);
    if (mutates) {
      this.fail(new Error(`${operation} failed in ${errors.length} of ${requests.length} replicas (${error.message})`));
      this.throwIfUnusable();
    }
    throw error;
  }

  private throwIfUnusable(): void {
    if (this.stopped) throw new TrainerStoppedError(this.name);
    if (this.failure) throw new TrainerFailedError(this.name, this.failure.cause);
  }

  private exclusive<T>(call: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      this.throwIfUnusable();
      return call();
    });
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Marks the trainer failed (the first cause wins), rejects what is in flight and frees every replica. */
  private fail(cause: Error): void {
    if (this.stopped || this.failure) return;
    this.failure = new TrainerFailedError(this.name, cause);
    this.accumulated = undefined;
    for (const e of this.endpoints) e.abort(this.failure);
    void this.closeEndpoints();
  }

  private closeEndpoints(): Promise<void> {
    this.closing ??= Promise.allSettled(this.endpoints.map((e) => e.close())).then(() => undefined);
    return this.closing;
  }
}
