/** Typed errors of the replica trainers: one replica's failure, replicas that disagree, a trainer that can no longer be used. */
import { A2dError } from '@a2d/core';

/** Where a `ReplicaError` comes from and what else is known. */
export interface ReplicaErrorDetails {
  /** The worker thread's exit code, when it exited. */
  exitCode?: number;
  /** The stack of the original error inside the replica, when there was one. */
  replicaStack?: string;
  /** The in-process replica rather than a worker. */
  inProcess?: boolean;
  /** `reason` describes what happened to the worker ("exited with code 3"), not an error it reported. */
  event?: boolean;
}

/** An error raised by one replica: thrown in its worker (or the in-process replica), or the worker's death or silence. */
export class ReplicaError extends A2dError {
  /** The worker thread's exit code, when it exited. */
  readonly exitCode?: number;
  /** The stack of the original error inside the replica, when there was one. */
  readonly replicaStack?: string;

  constructor(
    /** Index of the worker (0 for the in-process replica). */
    readonly worker: number,
    /** The original message, or what happened to the worker. */
    readonly reason: string,
    details: ReplicaErrorDetails = {},
  ) {
    super(`${details.inProcess ? 'in-process replica' : `data-parallel worker ${worker}`}${details.event ? ' ' : ': '}${reason}`);
    this.exitCode = details.exitCode;
    this.replicaStack = details.replicaStack;
    if (details.replicaStack) this.stack = `${this.stack ?? this.message}\n  thrown in the replica at:\n${details.replicaStack}`;
  }
}

/** Replicas whose trainable variables no longer match worker 0's (they must stay bit-identical). */
export class ReplicaDivergenceError extends A2dError {
  constructor(
    /** Workers whose checksum differs from worker 0's. */
    readonly workers: number[],
    /** Every worker's checksum, in worker order. */
    readonly checksums: string[],
  ) {
    super(`replicas diverged: worker${workers.length > 1 ? 's' : ''} ${workers.join(', ')} differ${workers.length > 1 ? '' : 's'} from worker 0 (checksums ${checksums.join(', ')})`);
  }
}

/**
 * A trainer that can no longer be used: a worker died or timed out, or an update failed in some replicas, so the
 * replicas may differ. Every call after the failure rejects with this error; `cause` is what happened first.
 */
export class TrainerFailedError extends A2dError {
  constructor(
    readonly trainer: string,
    override readonly cause: Error,
  ) {
    super(`${trainer} failed: ${cause.message}; the replicas may differ: start a new trainer and resume from the last checkpoint`);
  }
}

/** A call on (or in flight during) a stopped trainer. */
export class TrainerStoppedError extends A2dError {
  constructor(readonly trainer: string) {
    super(`${trainer}: stopped`);
  }
}
