/**
 * Synchronised batch statistics for data-parallel training (PyTorch's SyncBatchNorm): the replicas computing the
 * shards of one batch all-reduce every batch-norm layer's per-channel statistics, so each normalises with the whole
 * batch's mean and variance and the function trained does not depend on how many workers share the batch.
 *
 * Who does what: `DataParallelTrainer` creates the shared memory (`createBatchStatisticsMemory`) and hands it to
 * each worker with its replica index; the worker bootstrap installs a `SharedBatchStatisticsReducer`
 * (`setBatchStatisticsReducer`); the replica host runs every gradients request inside `withBatchStatisticsStep`
 * (the shards' count says which workers take part: 0..replicas-1); `batchNormTraining` asks
 * `activeBatchStatisticsReducer()` and reduces only inside such a step with two or more replicas. Nothing else
 * (the in-process trainer, inference, a step computed by one replica) touches the memory.
 *
 * Protocol, per reduction: every replica writes its slot (count and two per-channel arrays, in float64), waits at a
 * barrier, combines all slots in replica order (so every replica gets bit-identical results), and waits at a second
 * barrier, so that no replica overwrites its slot for the next reduction while a slower one is still reading it.
 * The barrier is generation-counted (`Atomics.wait` on a signal word that every release, failure, departure and
 * reset bumps, so no wake-up is lost). A replica whose step fails publishes the failure on leaving, one that leaves
 * with fewer reductions than another waits for is detected, and a wait longer than `timeoutMs` fails the step: no
 * replica ever blocks for good. Each step is numbered by the trainer (`batch`); the first replica to reduce in a step
 * resets what an earlier step left (a failure, arrivals), so a failed step never spoils the next one. That relies on
 * the trainer's order: it sends no gradients request before every replica answered the previous one.
 */
import { A2dError } from '@a2d/core';

/**
 * Channels a synchronised batch-norm layer may have. The widest layer of any backbone here is 2048 (resnet50's last
 * stage; efficientnet-b4 reaches 1792): twice that leaves margin, at 64 KiB of shared memory per replica.
 */
export const maxSynchronizedChannels = 4096;

/** A replica's (or the whole batch's) per-channel mean and biased variance over `count` values per channel. */
export interface ChannelMoments {
  /** Values per channel (rows of the [..., C] input). */
  count: number;
  mean: ArrayLike<number>;
  variance: ArrayLike<number>;
}

/** Two per-channel sums, summed over the replicas. */
export interface ChannelSums {
  first: Float64Array;
  second: Float64Array;
}

/** The all-reductions a batch-norm layer needs across the replicas of one step. */
export interface BatchStatisticsReducer {
  /** Replicas reducing together in the step under way (0 outside a step). */
  readonly stepReplicas: number;
  /**
   * Starts a step computed by workers 0..`replicas`-1: the trainer's `batch`-th gradients request (a positive number
   * that grows with every request), for optimizer update `update` (named in errors).
   */
  beginStep(replicas: number, update: number, batch: number): void;
  /** Ends the step; `succeeded` false tells the other replicas, so none waits for this one any longer. */
  endStep(succeeded: boolean): void;
  /** The moments of all replicas' values together (Chan et al.'s parallel combination, in replica order). */
  reduceMoments(local: ChannelMoments): { count: number; mean: Float64Array; variance: Float64Array };
  /** Element-wise sums over the replicas of `first` and `second` (`count`: this replica's values per channel). */
  reduceSums(count: number, first: ArrayLike<number>, second: ArrayLike<number>): ChannelSums & { count: number };
}

/** A synchronised batch-norm reduction that cannot complete: a replica failed, timed out, left early or disagrees. */
export class BatchStatisticsSyncError extends A2dError {
  constructor(
    /** The optimizer update whose gradients were being computed. */
    readonly update: number,
    /** The replica that reports it. */
    readonly replica: number,
    reason: string,
  ) {
    super(`synchronised batch norm, update ${update}, replica ${replica}: ${reason}`);
  }
}

let installed: BatchStatisticsReducer | undefined;

/** Installs this thread's reducer (a data-parallel worker's bootstrap does); undefined: local statistics only. */
export function setBatchStatisticsReducer(reducer: BatchStatisticsReducer | undefined): void {
  installed = reducer;
}

/** The reducer to use now: the installed one inside a step of two or more replicas, otherwise none (local statistics). */
export function activeBatchStatisticsReducer(): BatchStatisticsReducer | undefined {
  return installed !== undefined && installed.stepReplicas > 1 ? installed : undefined;
}

/** Runs `run` (one gradients computation) as a step of the reducer (see `beginStep`); plain `run()` without a reducer. */
export function withBatchStatisticsStep<T>(step: { replicas: number; update: number; batch: number }, run: () => T): T {
  const reducer = installed;
  if (!reducer) return run();
  reducer.beginStep(step.replicas, step.update, step.batch);
  let succeeded = false;
  try {
    const result = run();
    succeeded = true;
    return result;
  } finally {
    reducer.endStep(succeeded);
  }
}

// Control words (Int32) at the start of the memory; then POSITION[replicas] and DEPARTED[replicas].
const SIGNAL = 0; // bumped and notified on every barrier release, failure, departure and reset: what waiters wait on
const GENERATION = 1; // barrier generation: a barrier is passed when it changes
const ARRIVED = 2; // replicas at the current barrier
const BATCH = 3; // the step the shared state belongs to (its `batch`; minus it while being reset for it)
const FAILURE_CLAIM = 4; // the first replica to fail a step claims it, then publishes the three words below
const FAILURE_KIND = 5; // 0: none; published last
const FAILURE_REPLICA = 6;
const FAILURE_REDUCTION = 7;
const FIXED_WORDS = 8;
// Slot header (float64): reduction number, kind, channels, count; then first[channels], second[channels].
const SLOT_HEADER = 4;
const SLOT_DOUBLES = SLOT_HEADER + 2 * maxSynchronizedChannels;

const failureKinds = { failed: 1, timedOut: 2, leftEarly: 3, mismatch: 4 } as const;
type FailureKind = keyof typeof failureKinds;
const reductionKinds = { moments: 1, sums: 2 } as const;
type ReductionKind = keyof typeof reductionKinds;

function layout(replicas: number): { controlWords: number; slotsOffset: number; bytes: number } {
  const controlWords = FIXED_WORDS + 2 * replicas;
  const slotsOffset = Math.ceil((controlWords * 4) / 8) * 8;
  return { controlWords, slotsOffset, bytes: slotsOffset + replicas * SLOT_DOUBLES * 8 };
}

/** The shared memory of `replicas` replicas' reductions (zeroed: no step yet). */
export function createBatchStatisticsMemory(replicas: number): SharedArrayBuffer {
  if (!Number.isInteger(replicas) || replicas < 1) throw new RangeError(`createBatchStatisticsMemory: replicas must be a positive integer, got ${replicas}`);
  return new SharedArrayBuffer(layout(replicas).bytes);
}

/** Options of `SharedBatchStatisticsReducer`. */
export interface SharedReducerOptions {
  /** From `createBatchStatisticsMemory(replicas)`. */
  memory: SharedArrayBuffer;
  /** This replica's index (its worker's). */
  replica: number;
  /** Replicas sharing the memory. */
  replicas: number;
  /** Longest wait for the other replicas at one barrier before the step fails (the trainer's request timeout). */
  timeoutMs: number;
}

interface Step {
  replicas: number;
  update: number;
  batch: number;
  /** Whether this replica has joined the step's shared state (at its first reduction, or to report a failure). */
  joined: boolean;
  /** Reductions started in this step. */
  reductions: number;
  /** Barriers reached in this step (two per reduction). */
  barriers: number;
}

/** The reducer of one worker over memory shared with the other workers (see the file comment for the protocol). */
export class SharedBatchStatisticsReducer implements BatchStatisticsReducer {
  private readonly control: Int32Array;
  private readonly slots: Float64Array[];
  private readonly replica: number;
  private readonly replicas: number;
  private readonly timeoutMs: number;
  private step: Step | undefined;

  constructor(options: SharedReducerOptions) {
    const { memory, replica, replicas, timeoutMs } = options;
    if (!Number.isInteger(replicas) || replicas < 1) throw new RangeError(`SharedBatchStatisticsReducer: replicas must be a positive integer, got ${replicas}`);
    if (!Number.isInteger(replica) || replica < 0 || replica >= replicas) throw new RangeError(`SharedBatchStatisticsReducer: replica must be in 0..${replicas - 1}, got ${replica}`);
    if (!(timeoutMs > 0)) throw new RangeError(`SharedBatchStatisticsReducer: timeoutMs must be positive, got ${timeoutMs}`);
    const { controlWords, slotsOffset, bytes } = layout(replicas);
    if (memory.byteLength !== bytes) throw new RangeError(`SharedBatchStatisticsReducer: the memory holds ${memory.byteLength} bytes, ${replicas} replicas need ${bytes}`);
    this.control = new Int32Array(memory, 0, controlWords);
    this.slots = Array.from({ length: replicas }, (_, p) => new Float64Array(memory, slotsOffset + p * SLOT_DOUBLES * 8, SLOT_DOUBLES));
    this.replica = replica;
    this.replicas = replicas;
    this.timeoutMs = timeoutMs;
  }

  get stepReplicas(): number {
    return this.step?.replicas ?? 0;
  }

  beginStep(replicas: number, update: number, batch: number): void {
    if (this.step) throw new BatchStatisticsSyncError(update, this.replica, `a step (update ${this.step.update}) is already under way`);
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > this.replicas || this.replica >= replicas) {
      throw new BatchStatisticsSyncError(update, this.replica, `cannot take part in a step of ${replicas} replicas (of ${this.replicas})`);
    }
    if (!Number.isInteger(batch) || batch < 1 || batch > 2 ** 31 - 1) throw new BatchStatisticsSyncError(update, this.replica, `batch must be a positive 32-bit integer, got ${batch}`);
    this.step = { replicas, update, batch, joined: false, reductions: 0, barriers: 0 };
  }

  endStep(succeeded: boolean): void {
    const step = this.step;
    this.step = undefined;
    if (!step || step.replicas === 1) return;
    // A step without reductions (a model without batch norm) leaves the memory alone; a failed one joins to tell
    // the replicas that may be waiting at their first reduction.
    if (!step.joined && succeeded) return;
    if (!step.joined) this.join(step);
    if (!succeeded) this.publishFailure(step, 'failed', this.replica);
    Atomics.store(this.control, this.departedIndex(this.replica), step.reductions + 1);
    this.signal();
  }

  reduceMoments(local: ChannelMoments): { count: number; mean: Float64Array; variance: Float64Array } {
    const channels = local.mean.length;
    const m2 = Float64Array.from(local.variance, (v) => v * local.count);
    const slots = this.exchange('moments', local.count, local.mean, m2, channels);
    // Chan, Golub & LeVeque's pairwise update, slot by slot in replica order.
    const mean = new Float64Array(channels);
    const sumSquares = new Float64Array(channels);
    let count = 0;
    for (const slot of slots) {
      const n = slot[3];
      if (n === 0) continue;
      const total = count + n;
      for (let c = 0; c < channels; c++) {
        const slotMean = slot[SLOT_HEADER + c];
        const delta = slotMean - mean[c];
        mean[c] = count === 0 ? slotMean : mean[c] + (delta * n) / total;
        sumSquares[c] += slot[SLOT_HEADER + channels + c] + (count === 0 ? 0 : (delta * delta * count * n) / total);
      }
      count = total;
    }
    const variance = sumSquares.map((s) => (count > 0 ? s / count : 0));
    this.finishReading();
    return { count, mean, variance };
  }

  reduceSums(count: number, first: ArrayLike<number>, second: ArrayLike<number>): ChannelSums & { count: number } {
    const channels = first.length;
    const slots = this.exchange('sums', count, first, second, channels);
    const sums = { first: new Float64Array(channels), second: new Float64Array(channels), count: 0 };
    for (const slot of slots) {
      sums.count += slot[3];
      for (let c = 0; c < channels; c++) {
        sums.first[c] += slot[SLOT_HEADER + c];
        sums.second[c] += slot[SLOT_HEADER + channels + c];
      }
    }
    this.finishReading();
    return sums;
  }

  /** Writes this replica's slot, waits for every replica's, checks they belong to the same reduction, and returns them (call `finishReading` after). */
  private exchange(kind: ReductionKind, count: number, first: ArrayLike<number>, second: ArrayLike<number>, channels: number): Float64Array[] {
    const step = this.step;
    if (!step || step.replicas < 2) throw new Error('SharedBatchStatisticsReducer: a reduction outside a step of two or more replicas');
    if (!step.joined) this.join(step);
    step.reductions += 1;
    const what = `reduction ${step.reductions} (${kind === 'moments' ? 'forward' : 'backward'}, ${channels} channels)`;
    if (channels > maxSynchronizedChannels || second.length !== channels) {
      this.publishFailure(step, 'mismatch', this.replica);
      const reason = channels > maxSynchronizedChannels ? `a batch-norm layer with ${channels} channels; synchronised batch statistics hold at most ${maxSynchronizedChannels}` : `arrays of ${channels} and ${second.length} channels`;
      throw new BatchStatisticsSyncError(step.update, this.replica, `${what}: ${reason}`);
    }
    const slot = this.slots[this.replica];
    slot[0] = step.reductions;
    slot[1] = reductionKinds[kind];
    slot[2] = channels;
    slot[3] = count;
    for (let c = 0; c < channels; c++) {
      slot[SLOT_HEADER + c] = first[c];
      slot[SLOT_HEADER + channels + c] = second[c];
    }
    this.barrier(step, what);
    const slots = this.slots.slice(0, step.replicas);
    const other = slots.findIndex((s) => s[0] !== step.reductions || s[1] !== reductionKinds[kind] || s[2] !== channels);
    if (other >= 0) {
      this.publishFailure(step, 'mismatch', other);
      const s = slots[other];
      throw new BatchStatisticsSyncError(step.update, this.replica, `${what}: replica ${other} is at reduction ${s[0]} (${s[1] === reductionKinds.moments ? 'forward' : 'backward'}, ${s[2]} channels): the replicas do not run the same model`);
    }
    return slots;
  }

  /** The second barrier of a reduction: every replica has read every slot. */
  private finishReading(): void {
    const step = this.step as Step;
    this.barrier(step, `the end of reduction ${step.reductions}`);
  }

  /**
   * Joins the step's shared state. The first replica to join a step resets what the previous one left; the others
   * wait the few microseconds that takes. No replica of an earlier step is still inside: the trainer sends no
   * gradients request before every replica answered the previous one.
   */
  private join(step: Step): void {
    const control = this.control;
    const started = Date.now();
    for (;;) {
      const signal = Atomics.load(control, SIGNAL);
      const batch = Atomics.load(control, BATCH);
      if (batch === step.batch) break;
      if (batch !== -step.batch && Atomics.compareExchange(control, BATCH, batch, -step.batch) === batch) {
        for (let p = 0; p < this.replicas; p++) {
          Atomics.store(control, this.positionIndex(p), 0);
          Atomics.store(control, this.departedIndex(p), 0);
        }
        for (const word of [ARRIVED, FAILURE_KIND, FAILURE_REPLICA, FAILURE_REDUCTION, FAILURE_CLAIM]) Atomics.store(control, word, 0);
        Atomics.store(control, BATCH, step.batch);
        this.signal();
        break;
      }
      const left = this.timeoutMs - (Date.now() - started);
      if (left <= 0) throw new BatchStatisticsSyncError(step.update, this.replica, `the shared state was not ready for batch ${step.batch} within ${this.timeoutMs} ms (it belongs to ${batch})`);
      if (Atomics.load(control, BATCH) === -step.batch) Atomics.wait(control, SIGNAL, signal, left);
    }
    step.joined = true;
  }

  private barrier(step: Step, what: string): void {
    const control = this.control;
    step.barriers += 1;
    const generation = Atomics.load(control, GENERATION);
    this.throwIfFailed(step);
    Atomics.store(control, this.positionIndex(this.replica), step.barriers);
    if (Atomics.add(control, ARRIVED, 1) + 1 === step.replicas) {
      Atomics.store(control, ARRIVED, 0);
      Atomics.add(control, GENERATION, 1);
      this.signal();
      return;
    }
    const started = Date.now();
    for (;;) {
      // Read the signal before checking, so an event between the checks and the wait ends the wait at once.
      const signal = Atomics.load(control, SIGNAL);
      if (Atomics.load(control, GENERATION) !== generation) return;
      this.throwIfFailed(step);
      this.throwIfDepartedEarly(step, what);
      const left = this.timeoutMs - (Date.now() - started);
      if (left <= 0) {
        const missing = this.replicasBehind(step);
        this.publishFailure(step, 'timedOut', this.replica);
        throw new BatchStatisticsSyncError(step.update, this.replica, `replica${missing.length === 1 ? '' : 's'} ${missing.join(', ')} did not reach ${what} within ${this.timeoutMs} ms`);
      }
      Atomics.wait(control, SIGNAL, signal, left);
    }
  }

  /** Replicas of the step that have not reached this replica's current barrier. */
  private replicasBehind(step: Step): number[] {
    const behind: number[] = [];
    for (let p = 0; p < step.replicas; p++) if (Atomics.load(this.control, this.positionIndex(p)) < step.barriers) behind.push(p);
    return behind;
  }

  private throwIfDepartedEarly(step: Step, what: string): void {
    for (let p = 0; p < step.replicas; p++) {
      const departed = Atomics.load(this.control, this.departedIndex(p));
      if (departed !== 0 && departed - 1 < step.reductions) {
        this.publishFailure(step, 'leftEarly', p);
        throw new BatchStatisticsSyncError(step.update, this.replica, `replica ${p} finished the step after ${departed - 1} reductions and will never reach ${what}: the replicas do not run the same model`);
      }
    }
  }

  private throwIfFailed(step: Step): void {
    const kind = Atomics.load(this.control, FAILURE_KIND);
    if (kind === 0) return;
    const replica = Atomics.load(this.control, FAILURE_REPLICA);
    const reduction = Atomics.load(this.control, FAILURE_REDUCTION);
    const reasons: Record<number, string> = {
      [failureKinds.failed]: `replica ${replica} failed (after ${reduction} reductions); this one stops waiting for it`,
      [failureKinds.timedOut]: `replica ${replica} gave up waiting at reduction ${reduction}; this one stops too`,
      [failureKinds.leftEarly]: `replica ${replica} left the step early (before reduction ${reduction}); this one stops waiting for it`,
      [failureKinds.mismatch]: `the replicas disagree at reduction ${reduction} (replica ${replica}); this one stops`,
    };
    throw new BatchStatisticsSyncError(step.update, this.replica, reasons[kind] ?? `failure ${kind}`);
  }

  /** Makes the step fail for every replica (the first failure of a step is the one reported). */
  private publishFailure(step: Step, kind: FailureKind, replica: number): void {
    if (Atomics.compareExchange(this.control, FAILURE_CLAIM, 0, 1) === 0) {
      Atomics.store(this.control, FAILURE_REPLICA, replica);
      Atomics.store(this.control, FAILURE_REDUCTION, step.reductions);
      Atomics.store(this.control, FAILURE_KIND, failureKinds[kind]);
    }
    this.signal();
  }

  private signal(): void {
    Atomics.add(this.control, SIGNAL, 1);
    Atomics.notify(this.control, SIGNAL);
  }

  private positionIndex(replica: number): number {
    return FIXED_WORDS + replica;
  }

  private departedIndex(replica: number): number {
    return FIXED_WORDS + this.replicas + replica;
  }
}
